import ArgumentParser
import SkillMetrics

/// The options `export-json` and `rollback` share: which dialect to write, and the zone for
/// events appended after the import.
struct LegacyExportOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("crackerjack or session-buddy (default: the last import's).", valueName: "dialect"))
    var dialect: String?
    @Option(name: .long, help: ArgumentHelp("Zone for times of events appended after the import (default: the import's).", valueName: "zone"))
    var timezone: String?

    /// The exporter options these flags ask for.
    func exporterOptions() throws -> LegacyExporter.Options {
        LegacyExporter.Options(
            dialect: try LegacyDialectOption.parse(dialect),
            timeZone: try timezone.map { try LegacyTimeZone(identifier: $0) })
    }
}
