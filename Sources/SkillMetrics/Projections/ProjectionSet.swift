import GRDB

/// Both projectors folded over one stream of events: the Swift side of every projection.
///
/// Used by rebuild (write the result), verify (compare with the stored tables) and audit
/// replay (stop at a seq). Folding can resume: `fold(_:through:)` continues after the
/// last event already folded.
public struct ProjectionSet: Sendable {
    public private(set) var skillMetrics = SkillMetricsProjector()
    public private(set) var sessionSkills = SessionSkillProjector()
    public private(set) var workflowPaths = WorkflowPathProjector()
    /// The seq of the last event folded (0 before any).
    public private(set) var lastSeq: Int64 = 0
    /// Events folded (finished or not).
    public private(set) var eventCount = 0

    public init() {}

    /// Folds one event (events must come in increasing seq order).
    public mutating func apply(_ event: ProjectionEvent) {
        skillMetrics.apply(event)
        sessionSkills.apply(event)
        workflowPaths.apply(event)
        lastSeq = event.seq
        eventCount += 1
    }

    /// Folds the stored events after ``lastSeq`` up to `through`, in seq order, then (schema
    /// V2 and later) brings the percentiles up to date with the events folded.
    mutating func fold(_ db: Database, through: Int64 = .max, progress: ((Int) -> Void)? = nil) throws {
        try ProjectionEvent.forEach(db, after: lastSeq, through: through) { event in
            apply(event)
            if let progress, eventCount % 100_000 == 0 { progress(eventCount) }
        }
        if try Self.hasPercentileColumns(db) {
            try skillMetrics.computePercentiles(db, through: lastSeq)
        }
    }

    /// True when `skill_metrics` has the schema V2 percentile columns.
    static func hasPercentileColumns(_ db: Database) throws -> Bool {
        try db.columns(in: "skill_metrics").contains { $0.name == "p50_duration_seconds" }
    }

    /// Replaces the stored projections with these rows (inside the caller's transaction): the
    /// tables of the database's schema (V5: `skill_totals`, `skill_key_count`; earlier: the
    /// `skill_metrics` table), `session_skill`, and the search table with its FTS index.
    func write(to db: Database) throws {
        let schema = try ProjectionSchema.of(db)
        if schema.hasKeyCountRows {
            try db.execute(sql: "DELETE FROM skill_totals")
            try db.execute(sql: "DELETE FROM skill_key_count")
            for row in skillMetrics.rows {
                try insert(row.totalsDatabaseValues, into: "skill_totals", db)
            }
            for row in skillMetrics.keyCountRows {
                try insert(row.databaseValues, into: "skill_key_count", db)
            }
        } else {
            try db.execute(sql: "DELETE FROM skill_metrics")
            for row in skillMetrics.rows {
                try insert(row.databaseValues(percentiles: schema.hasPercentiles), into: "skill_metrics", db)
            }
        }
        try db.execute(sql: "DELETE FROM session_skill")
        for row in sessionSkills.rows {
            try insert(row.databaseValues, into: "session_skill", db)
        }
        if schema.hasWorkflowPaths {
            try db.execute(sql: "INSERT INTO skill_workflow_path_fts (skill_workflow_path_fts) VALUES ('delete-all')")
            try db.execute(sql: "DELETE FROM skill_workflow_path")
            for row in workflowPaths.rows {
                try insert(row.databaseValues, into: "skill_workflow_path", db)
            }
            if !schema.indexesWorkflowPathsOnInsert {
                try db.execute(sql: "INSERT INTO skill_workflow_path_fts (skill_workflow_path_fts) VALUES ('rebuild')")
            }
        }
    }

    private func insert(_ values: [(column: String, value: DatabaseValue)], into table: String, _ db: Database) throws {
        let columns = values.map(\.column).joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
        let statement = try db.cachedStatement(sql: "INSERT INTO \(table) (\(columns)) VALUES (\(placeholders))")
        try statement.execute(arguments: StatementArguments(values.map(\.value)))
    }
}
