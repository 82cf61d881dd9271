/// The materialised summary (`skill_metrics_summary`, schema V2), written by `refresh-summary`.
///
/// It is a snapshot: `throughSeq` is the last event it covers and `staleEvents` how many
/// events were appended after it (0 means it is current).
public struct MaterializedSummary: Sendable, Equatable {
    /// One `[name, count]` entry of a top list.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var count: Int
    }

    public var refreshedAt: String
    public var throughSeq: Int64
    /// The totals at the refresh (its `skillsByUsage` is empty: it is not materialised).
    public var summary: SkillMetricsSummary
    /// The most frequent error types over all skills (at most ``topCount``).
    public var topErrors: [Entry]
    /// The most used workflow paths over all skills (at most ``topCount``).
    public var topWorkflowPaths: [Entry]
    /// Events appended after the refresh.
    public var staleEvents: Int

    /// Length of the top lists.
    public static let topCount = 10

    /// The top `count` entries of counts summed over `dictionaries` (count descending, ties in
    /// first-appearance order).
    static func top(_ dictionaries: [OrderedCounts], count: Int = topCount) -> [Entry] {
        var total = OrderedCounts()
        for dictionary in dictionaries {
            for entry in dictionary.entries { total.add(entry.key, count: entry.count) }
        }
        return LegacyReportRenderer.byCountDescending(total.entries).prefix(count).map { Entry(name: $0.key, count: $0.count) }
    }

    static func entriesJSON(_ entries: [Entry]) -> JSONValue {
        .array(entries.map { .array([.string($0.name), .int($0.count)]) })
    }

    /// Parses a stored top list (`[[name, count], …]`).
    static func entries(json text: String, column: String) throws -> [Entry] {
        guard case .array(let items) = try? JSONParser().parse(text) else {
            throw SkillMetricsError.invalidInput(location: "skill_metrics_summary, field \(column)", reason: "not a JSON array")
        }
        return try items.map { item in
            guard case .array(let pair) = item, pair.count == 2, case .string(let name) = pair[0],
                  case .number(let number) = pair[1], let count = number.intValue
            else {
                throw SkillMetricsError.invalidInput(location: "skill_metrics_summary, field \(column)", reason: "not a [name, count] pair")
            }
            return Entry(name: name, count: count)
        }
    }
}
