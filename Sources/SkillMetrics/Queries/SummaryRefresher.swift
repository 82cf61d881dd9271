import GRDB

/// The materialised summary (`refresh-summary`, `summary --materialized`): recomputes the
/// `skill_metrics_summary` row from the projections and reads it back with its staleness.
public struct SummaryRefresher: Sendable {
    /// The store whose summary is kept.
    public let store: SkillMetricsStore

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// Recomputes `skill_metrics_summary` from the projections, in one write transaction, and
    /// returns it (stale by 0 events).
    @discardableResult
    public func refresh() throws -> MaterializedSummary {
        try store.timed("refreshSummary()") {
            try store.write { db in
                try Self.requireSummaryTable(db)
                let rows = try SkillMetricsQueries.allMetricsInFirstSeenOrder(db)
                let summary = try SkillMetricsSummary(rowsInFirstSeenOrder: rows)
                let errors = try MaterializedSummary.top(rows.map(\.commonErrors), field: "common_errors")
                let paths = try MaterializedSummary.top(rows.map(\.workflowPaths), field: "workflow_paths")
                let throughSeq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM skill_invocation") ?? 0
                let writer = JSONWriter(style: .compact)
                try db.execute(sql: """
                    INSERT OR REPLACE INTO skill_metrics_summary (
                        id, refreshed_at, through_seq, total_skills, total_invocations,
                        overall_completion_rate, most_used_skill, most_used_count, avg_duration_seconds,
                        top_errors, top_workflow_paths)
                    VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [
                        throughSeq, summary.totalSkills, summary.totalInvocations,
                        summary.overallCompletionRate, summary.mostUsedSkill,
                        summary.mostUsedSkill == nil ? nil : summary.mostUsedCount,
                        summary.avgDurationSeconds,
                        writer.string(NamedCount.jsonArray(errors)),
                        writer.string(NamedCount.jsonArray(paths)),
                    ])
                guard let stored = try Self.materializedSummary(db) else {
                    throw SkillMetricsError.database(operation: "refreshing the summary", message: "the row was not written")
                }
                return stored
            }
        }
    }

    /// The stored summary with its staleness, or nil when it was never refreshed.
    public func stored() throws -> MaterializedSummary? {
        try store.timed("materializedSummary()") {
            try store.read { db in
                try Self.requireSummaryTable(db)
                return try Self.materializedSummary(db)
            }
        }
    }

    static func requireSummaryTable(_ db: Database) throws {
        guard try db.tableExists("skill_metrics_summary") else {
            throw SkillMetricsError.database(
                operation: "reading the materialised summary",
                message: "the database is at schema version 1; run `skill-metrics migrate`")
        }
    }

    static func materializedSummary(_ db: Database) throws -> MaterializedSummary? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT refreshed_at, through_seq, total_skills, total_invocations, overall_completion_rate,
                   most_used_skill, most_used_count, avg_duration_seconds, top_errors, top_workflow_paths
            FROM skill_metrics_summary WHERE id = 1
            """)
        else { return nil }
        let throughSeq = try row.decode(Int64.self, atIndex: 1)
        let stale = try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation WHERE seq > ?", arguments: [throughSeq]) ?? 0
        // The usage list is not materialised; the stored totals are.
        var summary = try SkillMetricsSummary(rowsInFirstSeenOrder: [])
        summary.totalSkills = try row.decode(Int.self, atIndex: 2)
        summary.totalInvocations = try row.decode(Int.self, atIndex: 3)
        summary.overallCompletionRate = try row.decode(Double.self, atIndex: 4)
        summary.mostUsedSkill = try row.decode(String?.self, atIndex: 5)
        summary.mostUsedCount = try row.decode(Int?.self, atIndex: 6) ?? 0
        summary.avgDurationSeconds = try row.decode(Double.self, atIndex: 7)
        return MaterializedSummary(
            refreshedAt: try row.decode(String.self, atIndex: 0), throughSeq: throughSeq, summary: summary,
            topErrors: try NamedCount.list(json: row.decode(String.self, atIndex: 8), location: "skill_metrics_summary, field top_errors"),
            topWorkflowPaths: try NamedCount.list(json: row.decode(String.self, atIndex: 9), location: "skill_metrics_summary, field top_workflow_paths"),
            staleEvents: stale)
    }
}
