import ArgumentParser
import SkillMetrics

/// `diff-json`: the dual-read diff.
struct DiffJSON: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff-json",
        abstract: "Compare the database's projections with a legacy file's aggregates, per skill and field.",
        discussion: HelpText.reflow("""
            Integers, strings and key order must match exactly; floats are compared bit for bit \
            and a difference is shown in ULPs. Differences explained by completions sharing an \
            instant are warnings. Exit 1 on any other difference.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The legacy JSON file.") var file: String
    @Option(name: .long, help: ArgumentHelp("The file's zone (default: the last import's, else the machine's).", valueName: "zone"))
    var timezone: String?
    @Option(name: .long, help: ArgumentHelp("crackerjack or session-buddy (default: detected).", valueName: "dialect"))
    var dialect: String?

    func run() throws {
        let metrics = try store.openStore(access: .readOnly)
        let document = try LegacyDocument.load(path: file, dialect: try LegacyDialectOption.parse(dialect))
        let differences = try metrics.legacyDifferences(document, zone: try metrics.legacyTimeZone(timezone))
        let mismatches = differences.filter { $0.severity == .mismatch }
        if output.json {
            try LegacyDiffOutput(differences: differences).printJSON()
        } else {
            for difference in differences { print(difference.description) }
            if differences.isEmpty {
                print("ok: the projections match \(file)")
            } else {
                print("\(mismatches.count) mismatch(es), \(differences.count - mismatches.count) warning(s)")
            }
        }
        if !mismatches.isEmpty { throw CheckFailed() }
    }
}
