/// The materialised summary (`skill_metrics_summary`, schema V2), written by `refresh-summary`.
///
/// It is a snapshot: `throughSeq` is the last event it covers and `staleEvents` how many
/// events were appended after it (0 means it is current).
public struct MaterializedSummary: Sendable, Equatable {
    public var refreshedAt: String
    public var throughSeq: Int64
    /// The totals at the refresh (its `skillsByUsage` is empty: it is not materialised).
    public var summary: SkillMetricsSummary
    /// The most frequent error types over all skills (at most ``topCount``).
    public var topErrors: [NamedCount]
    /// The most used workflow paths over all skills (at most ``topCount``).
    public var topWorkflowPaths: [NamedCount]
    /// Events appended after the refresh.
    public var staleEvents: Int

    /// Length of the top lists.
    public static let topCount = 10

    /// The top `count` entries of counts summed over `dictionaries` (count descending, ties in
    /// first-appearance order). Throws when a key's counts add up past `Int.max` (an altered or
    /// damaged `field`).
    static func top(_ dictionaries: [OrderedCounts], field: String, count: Int = topCount) throws(SkillMetricsError) -> [NamedCount] {
        var total = OrderedCounts()
        for dictionary in dictionaries {
            for entry in dictionary.entries where !total.addIfRepresentable(entry.key, count: entry.count) {
                throw OrderedCounts.sumOverflow(field: field, key: entry.key)
            }
        }
        return LegacyReportRenderer.byCountDescending(total.entries).prefix(count).map { NamedCount(name: $0.key, count: $0.count) }
    }
}
