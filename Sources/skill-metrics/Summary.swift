import ArgumentParser
import SkillMetrics

/// `summary`: the legacy `get_summary()`.
struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the summary over all skills (the legacy get_summary keys with --json).",
        discussion: HelpText.reflow("""
            --materialized prints the stored summary written by `refresh-summary` instead, with
            how many events were appended since (stale_events).
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Flag(name: .long, help: "Print the materialised summary (see refresh-summary) and its staleness.")
    var materialized = false

    func run() throws {
        if try PostgresDispatch.summary(store.path, materialized: materialized, json: output.json) { return }
        let metrics = try store.openStore(access: .readOnly)
        if materialized {
            guard let stored = try SummaryRefresher(store: metrics).stored() else {
                throw SkillMetricsError.invalidInput(
                    location: "skill_metrics_summary", reason: "never refreshed; run `skill-metrics refresh-summary`")
            }
            if output.json {
                try stored.printJSON()
            } else {
                print(RefreshSummary.describe(stored))
            }
            return
        }
        let summary = try SkillMetricsQueries(store: metrics).summary()
        if output.json {
            try summary.printJSON()
            return
        }
        print("skills:                  \(summary.totalSkills)")
        print("invocations:             \(summary.totalInvocations)")
        print("overall completion rate: \(MetricsText.percent(summary.overallCompletionRate))")
        print("average duration:        \(MetricsText.seconds(summary.avgDurationSeconds))")
        if let most = summary.mostUsedSkill {
            print("most used:               \(MetricsText.display(most)) (\(summary.mostUsedCount))")
        }
    }
}
