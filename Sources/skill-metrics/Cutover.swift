import ArgumentParser
import SkillMetrics

/// `cutover`: the database becomes the source of truth.
struct Cutover: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Final incremental import, verify, dual-read diff, backup of the JSON file; then the database is the source of truth.",
        discussion: HelpText.reflow("""
            Stops with exit 1 (no backup, no cutover recorded, no event appended: the import \
            is tried as a dry run first) when verify or the diff finds a problem. The backup is \
            FILE.bak-YYYYMMDDTHHMMSSZ beside FILE (or in --backup-dir).
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The legacy JSON file.") var file: String
    @Option(name: .long, help: ArgumentHelp("The zone of the file's naive local times (default: the last import's, else the machine's).", valueName: "zone"))
    var timezone: String?
    @Option(name: .long, help: ArgumentHelp("crackerjack or session-buddy (default: detected).", valueName: "dialect"))
    var dialect: String?
    @Option(name: .long, help: ArgumentHelp("Where to put the backup (default: beside the file).", valueName: "dir"))
    var backupDir: String?

    func run() throws {
        let metrics = try store.openStore()
        let options = DataMigrator.Options(
            timeZone: try metrics.legacyTimeZone(timezone), dialect: try LegacyDialectOption.parse(dialect))
        let result = try LegacyCutover(store: metrics).cutover(legacyPath: file, options: options, backupDirectory: backupDir)
        if output.json {
            try result.printJSON()
        } else {
            print(result.importReport.text)
            for difference in result.verify.differences { print(difference.description) }
            if let backup = result.backupPath {
                print("cutover done: backup of \(file) at \(backup); the database is now the source of truth")
            } else {
                print("cutover stopped: \(result.verify.isConsistent ? "the projections differ from the file" : "verify found differences"); nothing was backed up")
            }
        }
        if !result.succeeded { throw CheckFailed() }
    }
}
