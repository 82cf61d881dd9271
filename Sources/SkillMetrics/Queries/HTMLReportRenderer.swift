import GRDB

/// Makes the self-contained HTML report of a store (`report --html FILE`, see ``HTMLReport``).
///
/// Two reads on one snapshot: the skill rows, and the invocations per skill and UTC day. The
/// daily counts come from the `(skill_name, invoked_at)` index alone (a covering scan that
/// never touches the table's rows); the few skills with unfinished events, which the
/// projections do not count, get their unfinished events subtracted by a lookup of that skill.
public struct HTMLReportRenderer: Sendable {
    /// The store to report on.
    public let store: SkillMetricsStore

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// The page.
    public func render(generatedAt: Timestamp = .now()) throws -> String {
        let (rows, daily) = try store.timed("HTMLReportRenderer.render()") {
            try store.read { db in
                let rows = try SkillMetricsQueries.allMetricsInFirstSeenOrder(db)
                return (rows, try Self.dailyCounts(db, rows: rows))
            }
        }
        return HTMLReport(rows: rows, daily: daily, generatedAt: generatedAt).render()
    }

    /// Finished invocations per skill and day.
    static func dailyCounts(_ db: Database, rows: [SkillMetricsRow]) throws -> [HTMLReport.DailyCount] {
        // Every event, finished or not: the index holds skill_name and invoked_at only.
        var counts: [String: [String: Int]] = [:]
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT skill_name, substr(invoked_at, 1, 10) AS day, count(*) FROM skill_invocation
            WHERE skill_name IS NOT NULL AND invoked_at IS NOT NULL
            GROUP BY skill_name, day
            """)
        while let row = try cursor.next() {
            guard let skill = try row.decode(String?.self, atIndex: 0),
                  let day = try row.decode(String?.self, atIndex: 1) else { continue }
            counts[skill, default: [:]][day, default: 0] += try row.decode(Int.self, atIndex: 2)
        }
        // A skill whose events outnumber its finished invocations has unfinished ones.
        let finished = Dictionary(rows.map { ($0.skillName, $0.totalInvocations) }, uniquingKeysWith: { first, _ in first })
        let unfinished = try db.columns(in: "skill_invocation").contains { $0.name == "finished" }
        for (skill, days) in counts where unfinished && days.values.reduce(0, +) != finished[skill, default: 0] {
            let correction = try Row.fetchCursor(db, sql: """
                SELECT substr(invoked_at, 1, 10) AS day, count(*) FROM skill_invocation
                WHERE skill_name = ? AND finished = 0 AND invoked_at IS NOT NULL GROUP BY day
                """, arguments: [skill])
            while let row = try correction.next() {
                guard let day = try row.decode(String?.self, atIndex: 0) else { continue }
                counts[skill, default: [:]][day, default: 0] -= try row.decode(Int.self, atIndex: 1)
            }
        }
        var result: [HTMLReport.DailyCount] = []
        for (skill, days) in counts {
            for (day, invocations) in days where invocations > 0 {
                result.append(HTMLReport.DailyCount(skillName: skill, day: day, invocations: invocations))
            }
        }
        return result.sorted { ($0.skillName, $0.day) < ($1.skillName, $1.day) }
    }
}
