import ArgumentParser
import Foundation
import SkillMetrics

/// `export --format openmetrics`: metrics for monitoring systems.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the per-skill metrics in a monitoring format (openmetrics).",
        discussion: HelpText.reflow("""
            OpenMetrics text: counters skill_invocations, skill_completed_invocations,
            skill_abandoned_invocations; gauges skill_total_duration_seconds,
            skill_completion_rate_percent, skill_avg_duration_seconds,
            skill_duration_percentile_seconds{percentile="0|50|95|99|100"} and skill_metrics_events.
            Written to stdout, or to --output FILE.
            """))

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: ArgumentHelp("Output format.", valueName: "openmetrics"))
    var format: String

    @Option(name: .long, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var output: String?

    func run() throws {
        guard format == "openmetrics" else {
            throw SkillMetricsError.invalidInput(location: "--format", reason: "unknown format \(format); supported: openmetrics")
        }
        let metrics = try store.openStore(access: .readOnly)
        let exporter = OpenMetricsExporter(store: metrics)
        if let output {
            // Atomic (temporary file, fsync, rename): a textfile collector never reads half a file.
            try exporter.write(to: output)
        } else {
            print(try exporter.render(), terminator: "")
        }
    }
}
