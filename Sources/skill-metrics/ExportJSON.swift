import ArgumentParser
import SkillMetrics

/// `export-json`: write the legacy JSON file from the event log.
struct ExportJSON: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-json",
        abstract: "Write the event log as a legacy skill_metrics.json (atomically).",
        discussion: HelpText.reflow("""
            A database imported from a file and not appended to since gives that file back byte \
            for byte. Newer events are written as the legacy tracker would have written them: \
            naive local times in the import's zone, skills folded with the legacy rules, and \
            last_updated set to the completion time of the latest event appended since the import.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The file to write (replaced atomically).") var file: String
    @OptionGroup var legacy: LegacyExportOptions

    func run() throws {
        let metrics = try store.openStore(access: .readOnly)
        let options = try legacy.exporterOptions()
        let result = try LegacyExporter(store: metrics).export(to: file, options: options)
        if output.json {
            try result.printJSON()
        } else {
            print("wrote \(result.path): \(result.invocations) invocations, \(result.skills) skills (\(result.dialect.rawValue), \(result.bytes) bytes)")
        }
    }
}
