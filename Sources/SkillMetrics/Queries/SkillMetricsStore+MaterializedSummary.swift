import GRDB

extension SkillMetricsStore {
    /// Recomputes `skill_metrics_summary` from the projections, in one write transaction, and
    /// returns it (stale by 0 events).
    @discardableResult
    public func refreshSummary() throws -> MaterializedSummary {
        try timed("refreshSummary()") {
            try write { db in
                try Self.requireSummaryTable(db)
                let rows = try Row.fetchAll(db, sql: SkillMetricsRow.selectSQL(db) + " ORDER BY first_seq ASC")
                    .map(SkillMetricsRow.init(row:))
                let summary = SkillMetricsSummary(rowsInFirstSeenOrder: rows)
                let errors = MaterializedSummary.top(rows.map(\.commonErrors))
                let paths = MaterializedSummary.top(rows.map(\.workflowPaths))
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
                        writer.string(MaterializedSummary.entriesJSON(errors)),
                        writer.string(MaterializedSummary.entriesJSON(paths)),
                    ])
                guard let stored = try Self.materializedSummary(db) else {
                    throw SkillMetricsError.database(operation: "refreshing the summary", message: "the row was not written")
                }
                return stored
            }
        }
    }

    /// The stored summary with its staleness, or nil when it was never refreshed.
    public func materializedSummary() throws -> MaterializedSummary? {
        try timed("materializedSummary()") {
            try read { db in
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
        let throughSeq: Int64 = row[1]
        let stale = try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation WHERE seq > ?", arguments: [throughSeq]) ?? 0
        // The usage list is not materialised; the stored totals are.
        var summary = SkillMetricsSummary(rowsInFirstSeenOrder: [])
        summary.totalSkills = row[2]
        summary.totalInvocations = row[3]
        summary.overallCompletionRate = row[4]
        summary.mostUsedSkill = row[5]
        summary.mostUsedCount = (row[6] as Int?) ?? 0
        summary.avgDurationSeconds = row[7]
        return MaterializedSummary(
            refreshedAt: row[0], throughSeq: throughSeq, summary: summary,
            topErrors: try MaterializedSummary.entries(json: row[8], column: "top_errors"),
            topWorkflowPaths: try MaterializedSummary.entries(json: row[9], column: "top_workflow_paths"),
            staleEvents: stale)
    }
}
