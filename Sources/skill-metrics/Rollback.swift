import ArgumentParser
import SkillMetrics

/// `rollback`: hand the data back to the legacy JSON file.
struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export everything (events after cutover included) to the legacy JSON file; the database is kept.",
        discussion: HelpText.reflow("""
            An existing FILE is first copied to FILE.pre-rollback-YYYYMMDDTHHMMSSZ. The file is \
            then replaced atomically with what export-json writes.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The legacy JSON file to write.") var file: String
    @OptionGroup var legacy: LegacyExportOptions

    func run() throws {
        // A log that is not there would write an empty legacy file over the real one.
        let metrics = try store.openStore(create: false)
        let options = try legacy.exporterOptions()
        let (result, backup) = try LegacyCutover(store: metrics).rollback(legacyPath: file, options: options)
        if output.json {
            try RollbackOutput(result: result, backup: backup).printJSON()
        } else {
            print("rolled back: wrote \(result.path) (\(result.invocations) invocations, \(result.skills) skills)\(backup.map { "; previous file kept at \($0)" } ?? "")")
        }
    }
}
