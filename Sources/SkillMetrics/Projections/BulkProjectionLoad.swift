import GRDB

/// Bulk loads: append many events with the projection triggers suspended, then recompute the
/// projections once with the Swift projectors — all inside the caller's transaction.
///
/// The triggers' per-event work (rebuilding count dictionaries, moving percentile cursors)
/// dominates the cost of a large import. For a load that is large compared with the log, one
/// fold over the whole log is much cheaper, and it is the same code `rebuild` runs. The
/// triggers are dropped and re-created from their own `sqlite_master` text within the
/// transaction, so a failure (or a crash) rolls everything back, triggers included, and other
/// connections never see the schema without them. The immutability triggers stay in place;
/// the insert guards stay too, except around EventLog's typed INSERTs
/// (``suspendingInsertGuards(_:_:)``).
enum BulkProjectionLoad {
    /// The triggers that maintain the projections: up to V4 `skill_metrics` and `session_skill`
    /// (the search trigger stays), in V5 every projection (the fold rewrites the search table too).
    static let projectionTriggers = [
        "skill_invocation_project_skill_metrics",
        "skill_invocation_project_session_skill",
        "skill_invocation_project_percentiles",
        "skill_invocation_project",
    ]

    /// The insert guards: a stored id or an explicit seq (V1, V5 `skill_invocation_check_insert`)
    /// and non-string follow-ups of an unfinished event (V5 `skill_invocation_check_unfinished`).
    static let insertGuardTriggers = ["skill_invocation_check_insert", "skill_invocation_check_unfinished"]

    /// Runs `body` with the insert guard triggers suspended (dropped and re-created as the
    /// projection triggers are). Only for EventLog's typed INSERTs, which meet the guards by
    /// construction: a plain INSERT (never OR REPLACE) that binds no seq, so a stored id is
    /// refused by the UNIQUE index with the same SQLITE_CONSTRAINT the guard raises (and
    /// EventLog's fallback then compares the stored event, as before), and follow-ups written
    /// from `[String]`. Worth it because a table with a row trigger that may RAISE makes every
    /// INSERT keep a statement journal and run a trigger program per row: for 200k `real`
    /// events in one bulk append 1.97 s → 1.70 s.
    static func suspendingInsertGuards<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try suspendingTriggers(insertGuardTriggers, db, body)
    }

    /// What `skill_invocation_check_unfinished` checks, once over the rows after seq `after`:
    /// an unfinished event's follow-ups must all be strings (a finished event's are read by
    /// the fold, which refuses them too). Fails with the guard's own message.
    static func checkUnfinishedFollowUps(_ db: Database, after: Int64) throws {
        let offending = try Row.fetchOne(db, sql: """
            SELECT 1 FROM skill_invocation
            WHERE seq > ? AND finished <> 1 AND follow_up_actions <> '[]'
              AND EXISTS (SELECT 1 FROM json_each(follow_up_actions) WHERE type <> 'text')
            LIMIT 1
            """, arguments: [after])
        if offending != nil {
            throw DatabaseError(
                resultCode: .SQLITE_CONSTRAINT_TRIGGER,
                message: "skill_invocation: follow_up_actions must be a JSON array of strings")
        }
    }

    /// Below this many events a load always uses the triggers.
    static let minimumCount = 2_000

    /// Worth it when the load is at least ``minimumCount`` events and at least as large as the
    /// log (the fold reads the whole log).
    static func isWorthwhile(loading count: Int, existing: some BinaryInteger) -> Bool {
        count >= minimumCount && Int64(count) >= Int64(existing)
    }

    /// Runs `body` (which appends events) with the projection triggers suspended, restores
    /// them, and rewrites both projections from the whole log. Must run inside a transaction.
    ///
    /// When the log is empty, or `count` (the events `body` will append, when the caller knows
    /// it) makes the load ``isWorthwhile(loading:existing:)``, the event table's secondary
    /// indexes are suspended too: dropped before `body` and created again from their own
    /// `sqlite_master` text after it (one sort each instead of a B-tree insert per event and
    /// index: for 200k real-shaped events about 3× faster), before the fold.
    static func run<T>(_ db: Database, loading count: Int? = nil, _ body: () throws -> T) throws -> T {
        let existing = try SkillMetricsStore.maxSeq(db)
        let indexes = existing == 0 || count.map { isWorthwhile(loading: $0, existing: existing) } == true
        return try suspendingTriggers(db) {
            let result = try indexes ? suspendingEventIndexes(db, body) : body()
            var projections = ProjectionSet()
            try projections.fold(db)
            try projections.write(to: db)
            return result
        }
    }

    /// As ``run(_:loading:_:)`` for a log with no event, with the events folded by the caller:
    /// `body` appends them (seqs 1, 2, … in order) and returns the projections folded over
    /// exactly those events with those seqs. Used when the stored seqs are 1…`eventCount` and
    /// the set's last seq is the last of them; otherwise (a log whose seq had moved before it
    /// emptied) the log is folded here as ``run(_:loading:_:)`` does. Either way the
    /// percentiles come from the stored durations. Must run inside a transaction.
    ///
    /// With `distinctIDs` the caller promises that the events' ids are distinct (a legacy
    /// file's ids hold the entry's position): the id index of schema V9
    /// (`idx_skill_invocation_id`) is suspended too and built again by one sort at the end,
    /// instead of a random B-tree insert per event. Should two events share an id after all,
    /// that build fails and the load throws ``SkillMetricsError/invalidEvent(id:field:reason:)``
    /// naming the id (the caller's transaction then changes nothing).
    static func loadIntoEmptyLog(
        _ db: Database, distinctIDs: Bool = false, foldedByCaller body: () throws -> ProjectionSet
    ) throws {
        guard try SkillMetricsStore.maxSeq(db) == 0 else {
            throw SkillMetricsError.invalidInput(
                location: "skill_invocation", reason: "a load folded by its caller needs a log with no event")
        }
        try suspendingTriggers(db) {
            var projections = try suspendingEventIndexes(db, includingIDIndex: distinctIDs, body)
            guard let stored = try Row.fetchOne(db, sql: "SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM skill_invocation")
            else { throw SkillMetricsError.database(operation: "bulk load", message: "no row for the count of events") }
            let count = try stored.decode(Int64.self, atIndex: 0)
            let first = try stored.decode(Int64.self, atIndex: 1)
            let last = try stored.decode(Int64.self, atIndex: 2)
            let matches = Int64(projections.eventCount) == count
                && (count == 0 || (first == 1 && last == count && projections.lastSeq == last))
            if matches {
                try projections.completePercentiles(db)
            } else {
                projections = ProjectionSet()
                try projections.fold(db)
            }
            try projections.write(to: db)
        }
    }

    /// The UNIQUE index on the event id (schema V9; before V9 SQLite's own index of the
    /// column constraint, which has no SQL text and is never suspended).
    static let idIndex = "idx_skill_invocation_id"

    /// Drops `skill_invocation`'s secondary indexes (those with SQL text), runs `body`, and
    /// creates them again (see ``suspending(_:_:where:arguments:_:)``). The UNIQUE id index,
    /// which the duplicate checks read, stays unless `includingIDIndex` (ids known distinct);
    /// when its build then fails, the error names a repeated id.
    private static func suspendingEventIndexes<T>(
        _ db: Database, includingIDIndex: Bool = false, _ body: () throws -> T
    ) throws -> T {
        let condition = "tbl_name = 'skill_invocation' AND sql IS NOT NULL"
        guard includingIDIndex else {
            return try suspending(db, "INDEX", where: condition + " AND name <> ?", arguments: [idIndex], body)
        }
        return try suspending(db, "INDEX", where: condition, body) { name, error in
            guard name == idIndex, let error = error as? DatabaseError, error.resultCode == .SQLITE_CONSTRAINT,
                  let repeated = try String.fetchOne(db, sql: """
                      SELECT id FROM skill_invocation NOT INDEXED GROUP BY id HAVING count(*) > 1 ORDER BY min(seq) LIMIT 1
                      """)
            else { return error }
            return SkillMetricsError.invalidEvent(
                id: repeated, field: "id", reason: "appears more than once in a load into an empty log")
        }
    }

    /// Below this many events a batch on a V5 database uses the triggers; from it on, the
    /// batch is folded incrementally (``IncrementalProjectionFold``). Measured: see docs/v5-notes.md.
    static let incrementalMinimumCount = 64

    /// True when the database has the schema V5 projection rows (the incremental fold's tables).
    static func supportsIncrementalFold(_ db: Database) throws -> Bool {
        try ProjectionSchema.of(db).hasKeyCountRows
    }

    /// Runs `body` (which appends events) with the projection triggers suspended, restores
    /// them, and folds only the events `body` appended into the stored V5 projections. Must run
    /// inside a transaction.
    static func runIncremental<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        let after = try SkillMetricsStore.maxSeq(db)
        return try suspendingTriggers(db) {
            let result = try body()
            try IncrementalProjectionFold.run(db, after: after)
            return result
        }
    }

    /// As ``runIncremental(_:_:)``, for a `body` that returns the events it appended (in seq
    /// order, as stored): the fold takes them from memory instead of reading them back.
    static func runIncremental(_ db: Database, folding body: () throws -> [ProjectionEvent]) throws {
        try suspendingTriggers(db) {
            try IncrementalProjectionFold.run(db, events: try body())
        }
    }

    /// Drops the projection triggers, runs `body`, and re-creates them (see
    /// ``suspending(_:_:where:arguments:_:)``).
    private static func suspendingTriggers<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try suspendingTriggers(projectionTriggers, db, body)
    }

    /// Drops the triggers `names` that exist, runs `body`, and re-creates them.
    private static func suspendingTriggers<T>(_ names: [String], _ db: Database, _ body: () throws -> T) throws -> T {
        guard db.isInsideTransaction else {
            throw SkillMetricsError.database(operation: "bulk load", message: "must run inside a transaction")
        }
        let placeholders = Array(repeating: "?", count: names.count).joined(separator: ", ")
        return try suspending(
            db, "TRIGGER", where: "name IN (\(placeholders))", arguments: StatementArguments(names), body)
    }

    /// Drops the schema objects of `type` (`TRIGGER`, `INDEX`) that `condition` selects in
    /// `sqlite_master`, runs `body`, and creates them again from their own `sqlite_master` text
    /// in their original order — all in the caller's transaction, so a failure or a crash rolls
    /// back to the schema with them. A re-creation that fails throws what `explain` makes of
    /// the object's name and the error.
    private static func suspending<T>(
        _ db: Database, _ type: String, where condition: String, arguments: StatementArguments = StatementArguments(),
        _ body: () throws -> T,
        explainingFailure explain: (_ name: String, _ error: any Error) throws -> any Error = { $1 }
    ) throws -> T {
        let saved = try Row.fetchAll(db, sql: """
            SELECT name, sql FROM sqlite_master WHERE type = '\(type.lowercased())' AND \(condition)
            ORDER BY rowid
            """, arguments: arguments)
            .map { row -> (name: String, sql: String) in
                (try row.decode(String.self, atIndex: 0), try row.decode(String.self, atIndex: 1))
            }
        for object in saved {
            try db.execute(sql: "DROP \(type) \(object.name.quotedDatabaseIdentifier)")
        }
        let result = try body()
        for object in saved {
            do {
                try db.execute(sql: object.sql)
            } catch {
                throw try explain(object.name, error)
            }
        }
        return result
    }
}
