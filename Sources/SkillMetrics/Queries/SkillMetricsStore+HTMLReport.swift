import GRDB

extension SkillMetricsStore {
    /// The self-contained HTML report of the current projections (see ``HTMLReport``).
    public func htmlReport(generatedAt: Timestamp = .now()) throws -> String {
        let rows = try allMetricsInFirstSeenOrder()
        let daily = try timed("htmlReport() daily counts") {
            try read { db in
                try Row.fetchAll(db, sql: """
                    SELECT skill_name, substr(invoked_at, 1, 10) AS day, count(*) FROM skill_invocation
                    WHERE finished = 1 GROUP BY skill_name, day
                    """).map { row in
                    HTMLReport.DailyCount(skillName: row[0], day: row[1], invocations: row[2])
                }
            }
        }
        return HTMLReport(rows: rows, daily: daily, generatedAt: generatedAt).render()
    }
}
