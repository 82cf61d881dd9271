import GRDB
import GRDBSQLite

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
    ///
    /// Each table's rows go through one prepared INSERT, bound column by column. The search
    /// table's FTS index is rebuilt once at the end: a trigger that indexes each new pair on
    /// insert (schema V5) is suspended meanwhile and re-created from its own `sqlite_master`
    /// text, all in the caller's transaction (one FTS5 insert per row costs a segment flush
    /// at every statement's savepoint).
    func write(to db: Database) throws {
        let schema = try ProjectionSchema.of(db)
        if schema.hasKeyCountRows {
            try db.execute(sql: "DELETE FROM skill_totals")
            try db.execute(sql: "DELETE FROM skill_key_count")
            try RowInserter.insertAll(skillMetrics.rows.lazy.map(\.totalsDatabaseValues), into: "skill_totals", db)
            try RowInserter.insertAll(skillMetrics.keyCountRows.lazy.map(\.databaseValues), into: "skill_key_count", db)
        } else {
            try db.execute(sql: "DELETE FROM skill_metrics")
            try RowInserter.insertAll(
                skillMetrics.rows.lazy.map { $0.databaseValues(percentiles: schema.hasPercentiles) },
                into: "skill_metrics", db)
        }
        try db.execute(sql: "DELETE FROM session_skill")
        try RowInserter.insertAll(sessionSkills.rows.lazy.map(\.databaseValues), into: "session_skill", db)
        if schema.hasWorkflowPaths {
            let indexTrigger = schema.indexesWorkflowPathsOnInsert
                ? try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'skill_workflow_path_index'")
                : nil
            if indexTrigger != nil { try db.execute(sql: "DROP TRIGGER skill_workflow_path_index") }
            try db.execute(sql: "DELETE FROM skill_workflow_path")
            try RowInserter.insertAll(workflowPaths.rows.lazy.map(\.databaseValues), into: "skill_workflow_path", db)
            try db.execute(sql: "INSERT INTO skill_workflow_path_fts (skill_workflow_path_fts) VALUES ('rebuild')")
            if let indexTrigger { try db.execute(sql: indexTrigger) }
        }
    }
}

/// One prepared `INSERT` per table, its values bound straight to the statement (no
/// `StatementArguments` or SQL text per row).
private struct RowInserter {
    private let statement: Statement
    private let sql: String
    private let width: Int

    private init(_ db: Database, table: String, columns: [String]) throws {
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))"
        statement = try db.makeStatement(sql: sql)
        width = columns.count
    }

    /// Inserts every row (all with the same columns, in the same order) into `table`.
    static func insertAll<Rows: Sequence>(
        _ rows: Rows, into table: String, _ db: Database
    ) throws where Rows.Element == [(column: String, value: DatabaseValue)] {
        var inserter: RowInserter?
        for row in rows {
            if inserter == nil { inserter = try RowInserter(db, table: table, columns: row.map(\.column)) }
            try inserter?.insert(row, db)
        }
    }

    private func insert(_ row: [(column: String, value: DatabaseValue)], _ db: Database) throws {
        let sqlite = statement.sqliteStatement
        guard row.count == width else {
            throw SkillMetricsError.database(operation: "rebuild", message: "a row of \(row.count) values for \(width) columns")
        }
        for (offset, entry) in row.enumerated() {
            let index = CInt(offset + 1)
            let code: CInt
            switch entry.value.storage {
            case .null:
                code = sqlite3_bind_null(sqlite, index)
            case .int64(let value):
                code = sqlite3_bind_int64(sqlite, index, value)
            case .double(let value):
                code = sqlite3_bind_double(sqlite, index, value)
            case .string(var text):
                code = text.withUTF8 { bytes in
                    guard let length = CInt(exactly: bytes.count) else { return SQLITE_TOOBIG }
                    guard let base = bytes.baseAddress else { return sqlite3_bind_text(sqlite, index, "", 0, Self.transient) }
                    return sqlite3_bind_text(
                        sqlite, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), length, Self.transient)
                }
            case .blob(let data):
                code = data.withUnsafeBytes { bytes in
                    guard let length = CInt(exactly: bytes.count) else { return SQLITE_TOOBIG }
                    guard let base = bytes.baseAddress else { return sqlite3_bind_zeroblob(sqlite, index, 0) }
                    return sqlite3_bind_blob(sqlite, index, base, length, Self.transient)
                }
            }
            guard code == SQLITE_OK else { throw error(code, db) }
        }
        let code = sqlite3_step(sqlite)
        let failure = code == SQLITE_DONE ? nil : error(code, db)
        sqlite3_reset(sqlite)
        if let failure { throw failure }
    }

    private func error(_ code: CInt, _ db: Database) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code),
            message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
    }

    /// SQLite copies the bound bytes (`SQLITE_TRANSIENT`).
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    }
}
