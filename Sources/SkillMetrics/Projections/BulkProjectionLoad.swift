import GRDB

/// Bulk loads: append many events with the projection triggers suspended, then recompute the
/// projections once with the Swift projectors — all inside the caller's transaction.
///
/// The triggers' per-event work (rebuilding count dictionaries, moving percentile cursors)
/// dominates the cost of a large import. For a load that is large compared with the log, one
/// fold over the whole log is much cheaper, and it is the same code `rebuild` runs. The
/// triggers are dropped and re-created from their own `sqlite_master` text within the
/// transaction, so a failure (or a crash) rolls everything back, triggers included, and other
/// connections never see the schema without them. Integrity triggers (immutability, insert
/// checks) and the search trigger stay in place.
enum BulkProjectionLoad {
    /// The triggers that maintain `skill_metrics` and `session_skill`.
    static let projectionTriggers = [
        "skill_invocation_project_skill_metrics",
        "skill_invocation_project_session_skill",
        "skill_invocation_project_percentiles",
    ]

    /// Worth it when the load is at least this large and at least as large as the log.
    static func isWorthwhile(loading count: Int, existing: Int) -> Bool {
        count >= 2_000 && count >= existing
    }

    /// Runs `body` (which appends events) with the projection triggers suspended, restores
    /// them, and rewrites both projections from the whole log. Must run inside a transaction.
    static func run<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        guard db.isInsideTransaction else {
            throw SkillMetricsError.database(operation: "bulk load", message: "must run inside a transaction")
        }
        let placeholders = Array(repeating: "?", count: projectionTriggers.count).joined(separator: ", ")
        let saved = try Row.fetchAll(db, sql: """
            SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (\(placeholders))
            ORDER BY rowid
            """, arguments: StatementArguments(projectionTriggers))
            .map { row -> (name: String, sql: String) in (row[0], row[1]) }
        for trigger in saved {
            try db.execute(sql: "DROP TRIGGER \(trigger.name.quotedDatabaseIdentifier)")
        }
        let result = try body()
        for trigger in saved {
            try db.execute(sql: trigger.sql)
        }
        var projections = ProjectionSet()
        try projections.fold(db)
        try projections.write(to: db)
        return result
    }
}
