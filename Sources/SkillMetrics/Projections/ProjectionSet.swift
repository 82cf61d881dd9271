import GRDB

/// Both projectors folded over one stream of events: the Swift side of every projection.
///
/// Used by rebuild (write the result), verify (compare with the stored tables) and audit
/// replay (stop at a seq). Folding can resume: ``fold(_:through:)`` continues after the
/// last event already folded.
public struct ProjectionSet: Sendable {
    public private(set) var skillMetrics = SkillMetricsProjector()
    public private(set) var sessionSkills = SessionSkillProjector()
    /// The seq of the last event folded (0 before any).
    public private(set) var lastSeq: Int64 = 0
    /// Events folded (finished or not).
    public private(set) var eventCount = 0

    public init() {}

    /// Folds one event (events must come in increasing seq order).
    public mutating func apply(_ event: ProjectionEvent) {
        skillMetrics.apply(event)
        sessionSkills.apply(event)
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

    /// Replaces the stored projections with these rows (inside the caller's transaction).
    func write(to db: Database) throws {
        try db.execute(sql: "DELETE FROM skill_metrics")
        try db.execute(sql: "DELETE FROM session_skill")
        let percentiles = try Self.hasPercentileColumns(db)
        for row in skillMetrics.rows {
            try insert(row.databaseValues(percentiles: percentiles), into: "skill_metrics", db)
        }
        for row in sessionSkills.rows {
            try insert(row.databaseValues, into: "session_skill", db)
        }
    }

    private func insert(_ values: [(column: String, value: DatabaseValue)], into table: String, _ db: Database) throws {
        let columns = values.map(\.column).joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
        let statement = try db.cachedStatement(sql: "INSERT INTO \(table) (\(columns)) VALUES (\(placeholders))")
        try statement.execute(arguments: StatementArguments(values.map(\.value)))
    }
}
