import ArgumentParser
import Foundation
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
    @Flag(name: .long, help: "Validate and report; write nothing (the database is neither created nor migrated).") var dryRun = false

    func run() throws {
        let files = FileManager.default
        var scratch: String?
        defer { if let scratch { try? files.removeItem(atPath: scratch) } }
        let metrics: SkillMetricsStore
        if dryRun && !files.fileExists(atPath: store.path) {
            // A dry run into a log that does not exist yet runs against an empty one in a
            // directory of its own, removed after: nothing is created at --db.
            let directory = files.temporaryDirectory.appendingPathComponent("skill-metrics-dry-run-\(UUID().uuidString)").path
            try files.createDirectory(atPath: directory, withIntermediateDirectories: false)
            scratch = directory
            var options = SkillMetricsStore.Options()
            options.logger = Console.logger
            metrics = try SkillMetricsStore(path: directory + "/dry-run.db", options: options)
        } else {
            // A dry run never migrates: an older schema is the same error as for a read command.
            metrics = try store.openStore(migrate: !dryRun, create: !dryRun)
            let version = try metrics.schemaVersion(), latest = metrics.migrationRunner.latestVersion
            if dryRun && version < latest {
                throw SkillMetricsError.schemaNeedsMigration(path: store.path, version: version, latestVersion: latest)
            }
        }
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
