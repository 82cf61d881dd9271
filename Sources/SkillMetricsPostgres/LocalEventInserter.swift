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

    /// Appends `events` in order; returns how many were appended. With `checkingExisting`, an
    /// id already in the local log with the same content is skipped and one with other
    /// content is a conflict; without it (a replica that was empty when the pull began, so no
    /// server id can be there already) a constraint failure is an error.
    func append(_ events: ArraySlice<TeamLogEvent>, checkingExisting: Bool) throws -> Int {
        let recordedAt = Timestamp.now().recordedAtText
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

    /// The columns of a clone's chunks (``TeamLogPull``): the nine that
    /// ``TeamLogProjections/fold(_:after:into:foldSeq:)`` reads, then id, schema_version,
    /// user_context, completed and finished as stored (the flags' bit 32: user_context NULL).
    enum ChunkColumn {
        static let skillName = 1, invokedAt = 2, workflowPath = 3, flags = 4, duration = 5, errorType = 6
        static let sessionID = 7, followUpActions = 8, id = 9, schemaVersion = 10, userContext = 11
        static let completed = 12, finished = 13
    }

    /// One event of a chunk, its texts in place (valid during ``ServerArrayChunk/withColumns(_:)``).
    struct ChunkRow {
        var id, skillName, invokedAt, followUpActions: UnsafeBufferPointer<UInt8>
        var workflowPath, errorType, sessionID, userContext: UnsafeBufferPointer<UInt8>?
        var completed, schemaVersion, finished: Int64
        var durationSeconds: Double?

        /// Reads the next event of `columns`.
        init(_ columns: inout ServerArrayChunk.Columns) throws(TeamLogError) {
            typealias C = ChunkColumn
            let flags = try columns.int4(C.flags)
            func nullable(_ index: Int, _ nullFlag: Int64) throws(TeamLogError) -> UnsafeBufferPointer<UInt8>? {
                let text = try columns.optionalText(index)
                if flags & nullFlag != 0 { return nil }
                guard let text else {
                    throw TeamLogError.invalidRow("skill_invocation: column \(index) NULL in one column and not in the other")
                }
                return text
            }
            id = try columns.text(C.id)
            skillName = try columns.text(C.skillName)
            invokedAt = try columns.text(C.invokedAt)
            workflowPath = try nullable(C.workflowPath, 4)
            completed = try columns.int4(C.completed)
            durationSeconds = try columns.optionalFloat8(C.duration)
            errorType = try nullable(C.errorType, 8)
            sessionID = try nullable(C.sessionID, 16)
            followUpActions = try columns.text(C.followUpActions)
            schemaVersion = try columns.int4(C.schemaVersion)
            userContext = try nullable(C.userContext, 32)
            finished = try columns.int4(C.finished)
        }

        /// ``EventRowChecks`` proves that the local row meets the CHECK constraints.
        var holdsChecksByConstruction: Bool {
            EventRowChecks.holdByConstruction(
                id: id, skillName: skillName, invokedAt: invokedAt, workflowPath: workflowPath, completed: completed,
                durationSeconds: durationSeconds, errorType: errorType, sessionID: sessionID,
                followUpActions: followUpActions, schemaVersion: schemaVersion, hasUserContext: userContext != nil,
                finished: finished)
        }
    }

    /// Appends a clone's chunk (into a log that was empty: a constraint failure is an error),
    /// with SQLite's CHECK constraints off when every event of the chunk is proven to meet
    /// them, on otherwise; returns how many were appended. The texts are bound from the
    /// chunk's bytes.
    func appendCheckingWhereUnproven(_ chunk: ServerArrayChunk) throws -> Int {
        let proven = try chunk.withColumns { columns -> Bool in
            for _ in 0..<chunk.count where try !ChunkRow(&columns).holdsChecksByConstruction { return false }
            return true
        }
        func append() throws -> Int {
            let recordedAt = Timestamp.now().recordedAtText
            return try chunk.withColumns { columns -> Int in
                var rows: [ChunkRow] = []
                rows.reserveCapacity(Self.rowsPerStatement)
                var appended = 0
                while appended < chunk.count {
                    rows.removeAll(keepingCapacity: true)
                    let size = Swift.min(Self.rowsPerStatement, chunk.count - appended)
                    for _ in 0..<size { rows.append(try ChunkRow(&columns)) }
                    if size == Self.rowsPerStatement {
                        try run(full, rows, recordedAt: recordedAt)
                    } else {
                        for row in rows { try run(single, CollectionOfOne(row), recordedAt: recordedAt) }
                    }
                    appended += size
                }
                return appended
            }
        }
        return proven ? try EventRowChecks.skippingChecks(db, append) : try append()
    }

    /// Binds `rows` to `statement` (13 parameters each) and steps it once.
    private func run(_ statement: Statement, _ rows: some Collection<ChunkRow>, recordedAt: String) throws {
        let sqlite = statement.sqliteStatement
        var index: CInt = 0
        func text(_ value: UnsafeBufferPointer<UInt8>?) {
            index += 1
            guard let value else {
                sqlite3_bind_null(sqlite, index)
                return
            }
            _ = value.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress {
                    sqlite3_bind_text(sqlite, index, base, CInt(chars.count), Self.transient)
                } else {
                    sqlite3_bind_text(sqlite, index, "", 0, Self.transient)
                }
            }
        }
        func integer(_ value: Int64) {
            index += 1
            sqlite3_bind_int64(sqlite, index, value)
        }
        var recordedAt = recordedAt
        try recordedAt.withUTF8 { recordedAt in
            for row in rows {
                text(row.id)
                text(row.skillName)
                text(row.invokedAt)
                text(row.workflowPath)
                integer(row.completed)
                index += 1
                if let duration = row.durationSeconds {
                    sqlite3_bind_double(sqlite, index, duration)
                } else {
                    sqlite3_bind_null(sqlite, index)
                }
                text(row.errorType)
                text(row.sessionID)
                text(row.followUpActions)
                integer(row.schemaVersion)
                text(row.userContext)
                integer(row.finished)
                text(recordedAt)
            }
            try step(statement)
        }
    }

    /// Steps `statement` once (an INSERT), throwing the statement's own error.
    private func step(_ statement: Statement) throws {
        let sqlite = statement.sqliteStatement
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
        try step(statement)
    }
}
