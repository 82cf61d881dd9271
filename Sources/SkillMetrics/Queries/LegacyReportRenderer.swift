import Foundation

/// The legacy tracker's plain-text `generate_report()`, byte for byte.
///
/// Layout (checked against every fixture in `Fixtures/legacy-expected`): a 60-`=` banner, the
/// totals, the five most used skills, the workflow paths of the three most used skills (those
/// that have any, paths by count descending), the five most frequent follow-up actions over
/// all skills, and a closing banner. Numbers use Python's `f"{x:.1f}"` (correctly rounded,
/// which C's `%.1f` also is). Names are printed as they are. No trailing newline.
public struct LegacyReportRenderer: Sendable {
    /// The store to report on.
    public let store: SkillMetricsStore

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// The report of the store's current projections.
    public func render() throws -> String {
        try Self.render(rowsInFirstSeenOrder: try SkillMetricsQueries(store: store).allMetricsInFirstSeenOrder())
    }

    /// The report for `rows`, which must be in first-appearance order.
    /// Throws when the counts do not add up in a 64-bit integer (an altered or damaged projection).
    public static func render(rowsInFirstSeenOrder rows: [SkillMetricsRow]) throws(SkillMetricsError) -> String {
        let summary = try SkillMetricsSummary(rowsInFirstSeenOrder: rows)
        // Names compared by their bytes: two canonically equivalent names are two skills.
        let byName = Dictionary(rows.map { (ExactText($0.skillName), $0) }, uniquingKeysWith: { first, _ in first })
        let banner = String(repeating: "=", count: 60)
        var lines = [banner, "Skill Metrics Report", banner, ""]
        lines.append("Total Skills Tracked: \(summary.totalSkills)")
        lines.append("Total Invocations: \(summary.totalInvocations)")
        lines.append("Overall Completion Rate: \(oneDecimal(summary.overallCompletionRate))%")
        lines.append("Average Duration: \(oneDecimal(summary.avgDurationSeconds))s")
        lines.append("")
        lines.append("Most Used Skills:")
        for usage in summary.skillsByUsage.prefix(5) {
            guard let row = byName[ExactText(usage.name)] else { continue }
            lines.append("  \(usage.name): \(usage.count) invocations "
                         + "(\(oneDecimal(row.completionRate))% complete, \(oneDecimal(row.avgDurationSeconds))s avg)")
        }
        lines.append("")
        lines.append("Workflow Path Preferences:")
        for usage in summary.skillsByUsage.prefix(3) {
            guard let row = byName[ExactText(usage.name)], !row.workflowPaths.isEmpty else { continue }
            lines.append("  \(usage.name):")
            for entry in byCountDescending(row.workflowPaths.entries) {
                lines.append("    \(entry.key): \(entry.count) uses")
            }
        }
        lines.append("")
        lines.append("Common Follow-up Actions:")
        var actions = OrderedCounts()
        for row in rows {
            for entry in row.followUpActions.entries where !actions.addIfRepresentable(entry.key, count: entry.count) {
                throw OrderedCounts.sumOverflow(field: "follow_up_actions", key: entry.key)
            }
        }
        for entry in byCountDescending(actions.entries).prefix(5) {
            lines.append("  \(entry.key): \(entry.count)")
        }
        lines.append("")
        lines.append(banner)
        return lines.joined(separator: "\n")
    }

    /// Python's `f"{value:.1f}"`.
    static func oneDecimal(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    /// Python's `sorted(entries, key=count, reverse=True)`: stable, count descending.
    static func byCountDescending(_ entries: [(key: String, count: Int)]) -> [(key: String, count: Int)] {
        entries.enumerated()
            .sorted { $0.element.count != $1.element.count ? $0.element.count > $1.element.count : $0.offset < $1.offset }
            .map(\.element)
    }
}
