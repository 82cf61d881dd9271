import GRDB
import GRDBSQLite
import SkillMetrics

/// Appends server events to the local `skill_invocation`, text byte for byte, with prepared
/// multi-row INSERTs bound through the SQLite C API (one statement per ``rowsPerStatement``
/// events instead of one per event, no per-value boxing). Runs inside the caller's write
/// transaction; the schema's constraints check every row. Its INSERTs are plain and bind no
/// seq, so `pull` runs it with the insert guard triggers suspended
/// (``SkillMetricsStore/InsertGuards/checkedAfterwards``): a stored id is refused by the
/// UNIQUE index, and the follow-ups of unfinished events are checked after the batch.
struct LocalEventInserter {
    /// Events per multi-row INSERT.
    static let rowsPerStatement = 50

    private let db: Database
    private let full: Statement
    private let single: Statement
    private let existing: Statement

    init(_ db: Database) throws {
        self.db = db
        full = try db.cachedStatement(sql: Self.insertSQL(rows: Self.rowsPerStatement))
        single = try db.cachedStatement(sql: Self.insertSQL(rows: 1))
        existing = try db.cachedStatement(sql: "SELECT 0, \(TeamLogEvent.contentColumns) FROM skill_invocation WHERE id = ?")
    }

    private static func insertSQL(rows: Int) -> String {
        "INSERT INTO skill_invocation (\(TeamLogEvent.contentColumns), recorded_at) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
    }

    /// `recorded_at` as the column's DEFAULT writes it (`strftime('%Y-%m-%dT%H:%M:%fZ',
    /// 'now')`: UTC, milliseconds), for the current time. Bound once per ``append(_:checkingExisting:)``
    /// call rather than computed by SQLite for every row (~0.6 µs a row): the rows of one call
    /// are appended within the same moment, as the rows of one statement share SQLite's 'now'.
    static func recordedAt(_ now: Timestamp = .now()) -> String {
        let milliseconds = now.microsecondsSinceEpoch - now.microsecondsSinceEpoch % 1_000
        let canonical = Timestamp(microsecondsSinceEpoch: milliseconds).canonical  // …SS.ffffffZ
        return String(canonical.dropLast(4)) + "Z"
    }

    /// Appends `events` in order; returns how many were appended. With `checkingExisting`, an
    /// id already in the local log with the same content is skipped and one with other
    /// content is a conflict; without it (a replica that was empty when the pull began, so no
    /// server id can be there already) a constraint failure is an error.
    func append(_ events: ArraySlice<TeamLogEvent>, checkingExisting: Bool) throws -> Int {
        let recordedAt = Self.recordedAt()
        var appended = 0
        var start = events.startIndex
        while start < events.endIndex {
            let end = events.index(start, offsetBy: Self.rowsPerStatement, limitedBy: events.endIndex) ?? events.endIndex
            let chunk = events[start..<end]
            if chunk.count == Self.rowsPerStatement {
                do {
                    try run(full, chunk, recordedAt: recordedAt)
                    appended += chunk.count
                    start = end
                    continue
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT && checkingExisting {
                    // One of them is already here (the statement changed nothing): one by one.
                }
            }
            for event in chunk {
                if checkingExisting, let row = try Row.fetchOne(existing, arguments: [event.id]) {
                    guard try TeamLogEvent.decode(row).sameContent(as: event) else {
                        throw TeamLogError.conflict(id: event.id)
                    }
                    continue
                }
                try run(single, CollectionOfOne(event), recordedAt: recordedAt)
                appended += 1
            }
            start = end
        }
        return appended
    }

    /// Appends `events` as ``append(_:checkingExisting:)`` does, with SQLite's CHECK
    /// constraints off when every event of the slice is proven to meet them
    /// (``TeamLogEvent/holdsChecksByConstruction``), on otherwise. Call it with slices of
    /// thousands: switching the CHECKs makes SQLite prepare the statements again.
    func appendCheckingWhereUnproven(_ events: ArraySlice<TeamLogEvent>, checkingExisting: Bool) throws -> Int {
        guard events.allSatisfy(\.holdsChecksByConstruction) else {
            return try append(events, checkingExisting: checkingExisting)
        }
        return try EventRowChecks.skippingChecks(db) { try append(events, checkingExisting: checkingExisting) }
    }

    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    }

    /// Binds `events` to `statement` (13 parameters each) and steps it once.
    private func run(_ statement: Statement, _ events: some Collection<TeamLogEvent>, recordedAt: String) throws {
        let sqlite = statement.sqliteStatement
        var index: CInt = 0
        func text(_ value: String?) {
            index += 1
            guard var value else {
                sqlite3_bind_null(sqlite, index)
                return
            }
            _ = value.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    if let base = chars.baseAddress {
                        sqlite3_bind_text(sqlite, index, base, CInt(chars.count), Self.transient)
                    } else {
                        sqlite3_bind_text(sqlite, index, "", 0, Self.transient)
                    }
                }
            }
        }
        func integer(_ value: Int) {
            index += 1
            sqlite3_bind_int64(sqlite, index, Int64(value))
        }
        for event in events {
            text(event.id)
            text(event.skillName)
            text(event.invokedAt)
            text(event.workflowPath)
            integer(event.completed)
            index += 1
            if let duration = event.durationSeconds {
                sqlite3_bind_double(sqlite, index, duration)
            } else {
                sqlite3_bind_null(sqlite, index)
            }
            text(event.errorType)
            text(event.sessionID)
            text(event.followUpActions)
            integer(event.schemaVersion)
            text(event.userContext)
            integer(event.finished)
            text(recordedAt)
        }
        let code = sqlite3_step(sqlite)
        guard code == SQLITE_DONE else {
            // The statement's own error code (sqlite3_step may report only SQLITE_ERROR).
            let failure = sqlite3_reset(sqlite)
            throw DatabaseError(
                resultCode: ResultCode(rawValue: failure),
                message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
        }
        sqlite3_reset(sqlite)
    }
}
