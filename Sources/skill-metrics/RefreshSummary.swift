import ArgumentParser
import SkillMetrics

/// `refresh-summary`: recompute the materialised summary.
struct RefreshSummary: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh-summary",
        abstract: "Recompute the materialised summary table (totals, most used, top errors, top workflow paths).",
        discussion: HelpText.reflow("""
            --status only prints the stored summary and how many events were appended since
            its last refresh. `summary --materialized` prints it too.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Flag(name: .long, help: "Do not refresh: show the stored summary and its staleness.")
    var status = false

    func run() throws {
        // --status only reads: an older schema is reported, not migrated.
        let metrics = try status ? store.openStore(access: .readOnly) : store.openStore(create: false)
        let stored: MaterializedSummary
        if status {
            guard let current = try SummaryRefresher(store: metrics).stored() else {
                if output.json {
                    try NeverRefreshedOutput(events: try SkillMetricsQueries(store: metrics).eventCount()).printJSON()
                } else {
                    print("never refreshed (\(try SkillMetricsQueries(store: metrics).eventCount()) events in the log)")
                }
                return
            }
            stored = current
        } else {
            stored = try SummaryRefresher(store: metrics).refresh()
        }
        if output.json {
            try stored.printJSON()
        } else {
            print(Self.describe(stored))
        }
    }

    static func describe(_ stored: MaterializedSummary) -> String {
        var lines = [
            "refreshed at:            \(stored.refreshedAt) (through seq \(stored.throughSeq))",
            "stale by:                \(stored.staleEvents) event(s)",
            "skills:                  \(stored.summary.totalSkills)",
            "invocations:             \(stored.summary.totalInvocations)",
            "overall completion rate: \(MetricsText.percent(stored.summary.overallCompletionRate))",
            "average duration:        \(MetricsText.seconds(stored.summary.avgDurationSeconds))",
        ]
        if let most = stored.summary.mostUsedSkill {
            lines.append("most used:               \(MetricsText.display(most)) (\(stored.summary.mostUsedCount))")
        }
        for (title, entries) in [("top errors", stored.topErrors), ("top workflow paths", stored.topWorkflowPaths)] where !entries.isEmpty {
            lines.append("\(title):")
            for entry in entries { lines.append("  \(MetricsText.display(entry.name)): \(entry.count)") }
        }
        return lines.joined(separator: "\n")
    }
}
