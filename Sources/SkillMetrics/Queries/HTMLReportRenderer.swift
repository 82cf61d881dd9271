import GRDB

/// Makes the self-contained HTML report of a store (`report --html FILE`, see ``HTMLReport``).
///
/// Reads, on one snapshot, the skill rows and the invocations per UTC day of the skills the
/// chart draws (the ``HTMLReport`` series limit, most used first). Each day's count is one
/// range count on the `(skill_name, invoked_at)` index: no sort, no table row read, so a
/// report of a 1M-event log takes well under a second. The skills with unfinished events,
/// which the projections do not count, get those subtracted by a lookup of that skill.
///
/// The report reads the log's index by design, so it is not timed against the store's
/// slow-query threshold (which is for lookups whose cost must not grow with the log).
public struct HTMLReportRenderer: Sendable {
    /// The store to report on.
    public let store: SkillMetricsStore

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// The page.
    public func render(generatedAt: Timestamp = .now()) throws -> String {
        let (rows, daily) = try store.read { db in
            let rows = try SkillMetricsQueries.allMetricsInFirstSeenOrder(db)
            return (rows, try Self.dailyCounts(db, rows: rows))
        }
        return try HTMLReport(rows: rows, daily: daily, generatedAt: generatedAt).render()
    }

    /// Most day counts read one range count at a time; a longer span is grouped in one scan.
    static let maximumRangeCounts = 100_000

    /// Finished invocations per day of the `limit` most used skills.
    static func dailyCounts(
        _ db: Database, rows: [SkillMetricsRow], limit: Int = HTMLReport.seriesLimit
    ) throws -> [HTMLReport.DailyCount] {
        let byName = Dictionary(rows.map { (ExactText($0.skillName), $0) }, uniquingKeysWith: { first, _ in first })
        let shown = try SkillMetricsSummary(rowsInFirstSeenOrder: rows).skillsByUsage.prefix(limit).map(\.name)
        var spans: [(skill: String, first: Int, last: Int)] = []
        for skill in shown {
            let first = try String.fetchOne(db, sql: "SELECT min(invoked_at) FROM skill_invocation WHERE skill_name = ?", arguments: [skill])
            let last = try String.fetchOne(db, sql: "SELECT max(invoked_at) FROM skill_invocation WHERE skill_name = ?", arguments: [skill])
            guard let firstDay = first.flatMap({ HTMLReport.dayNumber(String($0.prefix(10))) }),
                  let lastDay = last.flatMap({ HTMLReport.dayNumber(String($0.prefix(10))) }), firstDay <= lastDay
            else { continue }
            spans.append((skill, firstDay, lastDay))
        }
        let rangeCounts = spans.reduce(0) { $0 + ($1.last - $1.first + 1) }
        var result: [HTMLReport.DailyCount] = []
        let hasFinishedColumn = try db.columns(in: "skill_invocation").contains { $0.name == "finished" }
        for span in spans {
            var counts: [String: Int] = [:]
            if rangeCounts <= maximumRangeCounts {
                let count = try db.cachedStatement(sql: """
                    SELECT count(*) FROM skill_invocation WHERE skill_name = ? AND invoked_at >= ? AND invoked_at < ?
                    """)
                for day in span.first...span.last {
                    // Every instant of the day sorts between `YYYY-MM-DD` and `YYYY-MM-DDU`.
                    let text = HTMLReport.dayText(day)
                    let invocations = try Int.fetchOne(count, arguments: [span.skill, text, text + "U"]) ?? 0
                    if invocations > 0 { counts[text] = invocations }
                }
            } else {
                try forEachDay(db, sql: """
                    SELECT substr(invoked_at, 1, 10) AS day, count(*) FROM skill_invocation
                    WHERE skill_name = ? AND invoked_at IS NOT NULL GROUP BY day
                    """, skill: span.skill) { counts[$0, default: 0] += $1 }
            }
            // More events than finished invocations: subtract the unfinished ones.
            if hasFinishedColumn && counts.values.reduce(0, +) != byName[ExactText(span.skill)]?.totalInvocations {
                try forEachDay(db, sql: """
                    SELECT substr(invoked_at, 1, 10) AS day, count(*) FROM skill_invocation
                    WHERE skill_name = ? AND finished = 0 AND invoked_at IS NOT NULL GROUP BY day
                    """, skill: span.skill) { counts[$0, default: 0] -= $1 }
            }
            for (day, invocations) in counts.sorted(by: { $0.key < $1.key }) where invocations > 0 {
                result.append(HTMLReport.DailyCount(skillName: span.skill, day: day, invocations: invocations))
            }
        }
        return result
    }

    private static func forEachDay(
        _ db: Database, sql: String, skill: String, _ body: (String, Int) -> Void
    ) throws {
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: [skill])
        while let row = try cursor.next() {
            guard let day = try row.decode(String?.self, atIndex: 0) else { continue }
            body(day, try row.decode(Int.self, atIndex: 1))
        }
    }
}
