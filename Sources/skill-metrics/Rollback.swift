import ArgumentParser
import SkillMetrics

/// `rollback`: hand the data back to the legacy JSON file.
struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export everything (events after cutover included) to the legacy JSON file; the database is kept.",
        discussion: """
            An existing FILE is first copied to FILE.pre-rollback-YYYYMMDDTHHMMSSZ. The file is \
            then replaced atomically with what export-json writes.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The legacy JSON file to write.") var file: String
    @Option(name: .long, help: ArgumentHelp("crackerjack or session-buddy (default: the last import's).", valueName: "dialect"))
    var dialect: String?
    @Option(name: .long, help: ArgumentHelp("Zone for times of events appended after the import (default: the import's).", valueName: "zone"))
    var timezone: String?

    func run() throws {
        let metrics = try store.openStore()
        let options = LegacyExporter.Options(
            dialect: try LegacyDialectOption.parse(dialect),
            timeZone: try timezone.map { try LegacyTimeZone(identifier: $0) })
        let (result, backup) = try LegacyCutover(store: metrics).rollback(legacyPath: file, options: options)
        if output.json {
            Console.printJSON(.object(JSONObject([
                ("path", .string(result.path)),
                ("invocations", .int(result.invocations)),
                ("skills", .int(result.skills)),
                ("backup", .optionalString(backup)),
            ])))
        } else {
            print("rolled back: wrote \(result.path) (\(result.invocations) invocations, \(result.skills) skills)\(backup.map { "; previous file kept at \($0)" } ?? "")")
        }
    }
}
