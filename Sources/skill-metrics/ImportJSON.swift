import ArgumentParser
import SkillMetrics

/// `import-json`: carry a legacy JSON file into the event log.
struct ImportJSON: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-json",
        abstract: "Import a legacy skill_metrics.json (crackerjack or session-buddy) into the event log.",
        discussion: HelpText.reflow("""
            Every invocation becomes one event, appended in completion order in one transaction; \
            pending crackerjack invocations are kept as unfinished events (never counted). \
            Re-importing a file adds nothing; a later version of it adds only what is new. \
            The report compares the projections with the file's own aggregates: exit 1 when a \
            field differs (the import is still committed), warnings only for completions that \
            share an instant. Bad input: exit 2, database unchanged.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The legacy JSON file.") var file: String
    @Option(name: .long, help: ArgumentHelp("The zone the file's naive local times were written in (default: the last import's, else the machine's).", valueName: "zone"))
    var timezone: String?
    @Option(name: .long, help: ArgumentHelp("crackerjack or session-buddy (default: detected).", valueName: "dialect"))
    var dialect: String?
    @Flag(name: .long, help: "Validate and report; write nothing.") var dryRun = false

    func run() throws {
        let metrics = try store.openStore()
        let options = DataMigrator.Options(
            timeZone: try metrics.legacyTimeZone(timezone), dialect: try LegacyDialectOption.parse(dialect),
            dryRun: dryRun)
        let progress = Console.progress("importing")
        let report = try DataMigrator(store: metrics).importFile(path: file, options: options, progress: progress)
        if progress != nil { Console.endProgress() }
        if output.json {
            try report.printJSON()
        } else {
            print(report.text)
        }
        if !report.mismatches.isEmpty { throw CheckFailed() }
    }
}

/// Parses `--dialect`.
enum LegacyDialectOption {
    static func parse(_ text: String?) throws -> LegacyDialect? {
        guard let text else { return nil }
        guard let dialect = LegacyDialect(rawValue: text) else {
            throw SkillMetricsError.invalidInput(location: "--dialect", reason: "expected crackerjack or session-buddy, got \(text)")
        }
        return dialect
    }
}
