import GRDB

/// The read side of a store: one skill's metrics (`get_skill_metrics`), every skill's, the
/// legacy summary, session × skill rows and the workflow-path search.
///
/// Each call reads one snapshot; calls slower than the store's slow-query threshold log a
/// warning.
public struct SkillMetricsQueries: Sendable {
    /// The store to read.
    public let store: SkillMetricsStore

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// The projection row of one skill, or nil when the skill has no finished event.
    /// One primary-key lookup: its cost does not grow with the log.
    public func metrics(for skill: String) throws -> SkillMetricsRow? {
        try store.timed("metrics(for:)") {
            try store.read { db in
                // Prepared once per connection: the view's three subqueries cost more to compile
                // than a skill with a few keys costs to read.
                let statement = try db.cachedStatement(sql: SkillMetricsRow.selectSQL(db) + " WHERE skill_name = ?")
                return try Row.fetchOne(statement, arguments: [skill]).map(SkillMetricsRow.init(row:))
            }
        }
    }

    /// Every skill's row, by total invocations descending, ties by first appearance.
    public func allMetrics() throws -> [SkillMetricsRow] {
        try store.timed("allMetrics()") {
            try store.read { db in
                try Row.fetchAll(db, sql: SkillMetricsRow.selectSQL(db) + " ORDER BY total_invocations DESC, first_seq ASC")
                    .map(SkillMetricsRow.init(row:))
            }
        }
    }

    /// Every skill's row in order of first appearance (the legacy file's `skills` order).
    public func allMetricsInFirstSeenOrder() throws -> [SkillMetricsRow] {
        try store.timed("allMetricsInFirstSeenOrder()") {
            try store.read { db in try Self.allMetricsInFirstSeenOrder(db) }
        }
    }

    static func allMetricsInFirstSeenOrder(_ db: Database) throws -> [SkillMetricsRow] {
        try Row.fetchAll(db, sql: SkillMetricsRow.selectSQL(db) + " ORDER BY first_seq ASC")
            .map(SkillMetricsRow.init(row:))
    }

    /// The number of events in the log (finished or not).
    public func eventCount() throws -> Int {
        try store.read { db in try Self.eventCount(db) }
    }

    static func eventCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") ?? 0
    }

    /// The legacy `get_summary()` of the current projections.
    public func summary() throws -> SkillMetricsSummary {
        try SkillMetricsSummary(rowsInFirstSeenOrder: try allMetricsInFirstSeenOrder())
    }

    /// The session × skill rows of one session (all sessions when nil), in first-seen order.
    public func sessionSkills(session: String? = nil) throws -> [SessionSkillRow] {
        try store.read { db in
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
                    sessionID: try row.decode(String.self, atIndex: 0),
                    skillName: try row.decode(String.self, atIndex: 1),
                    invocationCount: try row.decode(Int.self, atIndex: 2),
                    firstInvokedAt: try row.decode(String.self, atIndex: 3),
                    lastInvokedAt: try row.decode(String.self, atIndex: 4),
                    totalDurationSeconds: try row.decode(Double.self, atIndex: 5),
                    firstSeq: try row.decode(Int64.self, atIndex: 6),
                    lastSeq: try row.decode(Int64.self, atIndex: 7))
            }
        }
    }

    /// Full-text search over skill names and workflow paths.
    ///
    /// Every whitespace-separated word of `text` must occur (case-insensitively) in the skill
    /// name or the workflow path. Words are matched as literal substrings: quotes, operators,
    /// brackets and non-ASCII text never cause a syntax error. Words of three or more
    /// characters go through an FTS5 trigram index, built in memory from the
    /// `skill_workflow_path` rows for this search (`WorkflowPathSearch`: one row per distinct
    /// pair, so its cost follows the vocabulary, not the log); shorter ones are checked
    /// directly. Returns the matching (skill, path) pairs, most invoked first; an empty query
    /// matches nothing.
    public func searchWorkflowPaths(_ text: String, limit: Int = 100) throws -> [WorkflowPathMatch] {
        guard let search = WorkflowPathSearch(text: text, limit: limit) else { return [] }
        return try store.timed("searchWorkflowPaths(_:)") {
            try store.read { db in
                guard try db.tableExists("skill_workflow_path") else {
                    throw SkillMetricsError.database(
                        operation: "searching", message: "the database is at schema version 1; run `skill-metrics migrate`")
                }
                return try search.run(in: db)
            }
        }
    }
}
