import GRDB

extension SkillMetricsStore {
    /// The projection row of one skill, or nil when the skill has no finished event.
    /// One primary-key lookup: its cost does not grow with the log.
    public func metrics(for skill: String) throws -> SkillMetricsRow? {
        try timed("metrics(for:)") {
            try read { db in
                try Row.fetchOne(db, sql: SkillMetricsRow.selectSQL(db) + " WHERE skill_name = ?", arguments: [skill])
                    .map(SkillMetricsRow.init(row:))
            }
        }
    }

    /// Every skill's row, by total invocations descending, ties by first appearance.
    public func allMetrics() throws -> [SkillMetricsRow] {
        try timed("allMetrics()") {
            try read { db in
                try Row.fetchAll(db, sql: SkillMetricsRow.selectSQL(db) + " ORDER BY total_invocations DESC, first_seq ASC")
                    .map(SkillMetricsRow.init(row:))
            }
        }
    }

    /// Every skill's row in order of first appearance (the legacy file's `skills` order).
    public func allMetricsInFirstSeenOrder() throws -> [SkillMetricsRow] {
        try timed("allMetricsInFirstSeenOrder()") {
            try read { db in
                try Row.fetchAll(db, sql: SkillMetricsRow.selectSQL(db) + " ORDER BY first_seq ASC")
                    .map(SkillMetricsRow.init(row:))
            }
        }
    }

    /// The number of events in the log (finished or not).
    public func eventCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") ?? 0 }
    }

    /// The session × skill rows of one session (all sessions when nil).
    public func sessionSkills(session: String? = nil) throws -> [SessionSkillRow] {
        try read { db in
            var sql = """
                SELECT session_id, skill_name, invocation_count, first_invoked_at, last_invoked_at,
                       total_duration_seconds, first_seq, last_seq FROM session_skill
                """
            var arguments: StatementArguments = []
            if let session {
                sql += " WHERE session_id = ?"
                arguments = [session]
            }
            sql += " ORDER BY first_seq"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                SessionSkillRow(
                    sessionID: row[0], skillName: row[1], invocationCount: row[2],
                    firstInvokedAt: row[3], lastInvokedAt: row[4], totalDurationSeconds: row[5],
                    firstSeq: row[6], lastSeq: row[7])
            }
        }
    }
}
