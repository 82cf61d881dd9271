import Foundation
import GRDB
import SkillMetrics

/// Appends server events to the local `skill_invocation`, text byte for byte, with prepared
/// multi-row INSERTs bound through the SQLite C API (``RawStatement``: one statement per
/// ``rowsPerStatement`` events instead of one per event, no per-value boxing). Runs inside the
/// caller's write transaction; the schema's constraints check every row, unless a whole batch
/// is proven to meet them (``EventRowChecks``). Its INSERTs are plain and bind no seq, so
/// `pull` runs it with the insert guard triggers suspended
/// (``SkillMetricsStore/InsertGuards/checkedAfterwards``): a stored id is refused by the
/// UNIQUE index, and the follow-ups of unfinished events are checked after the batch.
struct LocalEventInserter {
    /// Events per multi-row INSERT.
    static let rowsPerStatement = 50

    private let db: Database
    private let full: RawStatement
    private let single: RawStatement
    private let existing: Statement

    init(_ db: Database) throws {
        self.db = db
        full = try RawStatement(db, EventLog.insertSQL(rows: Self.rowsPerStatement))
        single = try RawStatement(db, EventLog.insertSQL(rows: 1))
        existing = try db.cachedStatement(sql: "SELECT 0, \(TeamLogEvent.contentColumns) FROM skill_invocation WHERE id = ?")
    }

    /// Appends `events` in order (a pull into a log that has events); returns how many were
    /// appended. An id already in the local log with the same content is skipped, one with
    /// other content is a conflict. The CHECK constraints are off when every event of the
    /// slice is proven to meet them (``TeamLogEvent/holdsChecksByConstruction``), on
    /// otherwise: call it with slices of thousands, since switching them makes SQLite prepare
    /// the statements again.
    func appendCheckingWhereUnproven(_ events: ArraySlice<TeamLogEvent>) throws -> Int {
        guard events.allSatisfy(\.holdsChecksByConstruction) else { return try append(events) }
        return try EventRowChecks.skippingChecks(db) { try append(events) }
    }

    private func append(_ events: ArraySlice<TeamLogEvent>) throws -> Int {
        let recordedAt = Timestamp.now().recordedAtText
        var appended = 0
        var start = events.startIndex
        while start < events.endIndex {
            let end = events.index(start, offsetBy: Self.rowsPerStatement, limitedBy: events.endIndex) ?? events.endIndex
            let chunk = events[start..<end]
            if chunk.count == Self.rowsPerStatement {
                do {
                    try insert(chunk, with: full) { bind($0, to: full, from: $1, recordedAt: recordedAt) }
                    appended += chunk.count
                    start = end
                    continue
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    // One of them is already here (the statement changed nothing): one by one.
                }
            }
            for event in chunk {
                if let row = try Row.fetchOne(existing, arguments: [event.id]) {
                    guard try TeamLogEvent.decode(row).sameContent(as: event) else {
                        throw TeamLogError.conflict(id: event.id)
                    }
                    continue
                }
                do {
                    try insert(CollectionOfOne(event), with: single) { bind($0, to: single, from: $1, recordedAt: recordedAt) }
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw Self.refusal(error, of: event)
                }
                appended += 1
            }
            start = end
        }
        return appended
    }

    /// The columns of a clone's chunks (``TeamLogPull``): the nine that
    /// ``TeamLogProjections/fold(_:after:into:checkStoredColumns:foldSeq:)`` reads, then id, schema_version,
    /// user_context, completed and finished as stored (the flags' bit 32: user_context NULL).
    enum ChunkColumn {
        static let seq = 0, skillName = 1, invokedAt = 2, workflowPath = 3, flags = 4, duration = 5, errorType = 6
        static let sessionID = 7, followUpActions = 8, id = 9, schemaVersion = 10, userContext = 11
        static let completed = 12, finished = 13
    }

    /// One event of a chunk, its texts in place (valid during ``ServerArrayChunk/withColumns(_:)``).
    struct ChunkRow {
        var id, skillName, invokedAt, followUpActions: UnsafeBufferPointer<UInt8>
        var workflowPath, errorType, sessionID, userContext: UnsafeBufferPointer<UInt8>?
        var seq, completed, schemaVersion, finished: Int64
        var durationSeconds: Double?

        /// Reads the next event of `columns`.
        init(_ columns: inout ServerArrayChunk.Columns) throws(TeamLogError) {
            typealias C = ChunkColumn
            seq = try columns.int8(C.seq)
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

        /// The event as a value (for a message about it).
        var event: TeamLogEvent {
            func string(_ bytes: UnsafeBufferPointer<UInt8>?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
            return TeamLogEvent(
                seq: seq, id: String(decoding: id, as: UTF8.self), skillName: String(decoding: skillName, as: UTF8.self),
                invokedAt: String(decoding: invokedAt, as: UTF8.self), workflowPath: string(workflowPath),
                completed: Int(truncatingIfNeeded: completed), durationSeconds: durationSeconds, errorType: string(errorType),
                sessionID: string(sessionID), followUpActions: String(decoding: followUpActions, as: UTF8.self),
                schemaVersion: Int(truncatingIfNeeded: schemaVersion), userContext: string(userContext),
                finished: Int(truncatingIfNeeded: finished))
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
                var appended = 0
                while appended < chunk.count {
                    let size = chunk.count - appended >= Self.rowsPerStatement ? Self.rowsPerStatement : 1
                    let statement = size == 1 ? single : full
                    do {
                        try insert(0..<size, with: statement) { _, first in
                            bind(try ChunkRow(&columns), to: statement, from: first, recordedAt: recordedAt)
                        }
                    } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                        // The statement changed nothing: its rows one by one name the event.
                        try insertOneByOne(chunk, rows: appended..<(appended + size), recordedAt: recordedAt)
                        throw error
                    }
                    appended += size
                }
                return appended
            }
        }
        return proven ? try EventRowChecks.skippingChecks(db, append) : try append()
    }

    /// Inserts rows `rows` of `chunk` one at a time (after a multi-row INSERT of them failed on
    /// a constraint), throwing ``TeamLogError/refusedEvent(seq:id:field:value:reason:)`` for the
    /// first one SQLite refuses. The caller's transaction is rolled back after it.
    private func insertOneByOne(_ chunk: ServerArrayChunk, rows: Range<Int>, recordedAt: String) throws {
        try chunk.withColumns { columns in
            for _ in 0..<rows.lowerBound { _ = try ChunkRow(&columns) }
            for _ in rows {
                let row = try ChunkRow(&columns)
                do {
                    try insert(CollectionOfOne(row), with: single) { bind($0, to: single, from: $1, recordedAt: recordedAt) }
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw Self.refusal(error, of: row.event)
                }
            }
        }
    }

    /// The columns a refusal can name: those the inserts bind (``EventLog/insertColumns``).
    static let eventColumns = Set(EventLog.insertColumns.split(separator: ",").map {
        $0.trimmingCharacters(in: .whitespacesAndNewlines)
    })

    /// ``TeamLogError/refusedEvent(seq:id:field:value:reason:)`` for a constraint `error` on
    /// `event`: the column is the first column name in SQLite's message (a CHECK's expression
    /// starts with the column it checks; a trigger's RAISE names it), with the event's value of
    /// it; the reason is the message's first line, cut short.
    static func refusal(_ error: DatabaseError, of event: TeamLogEvent) -> TeamLogError {
        let message = error.message ?? "constraint failed"
        let field = message.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") })
            .lazy.map(String.init).first(where: eventColumns.contains)
        var reason = String(message.prefix(while: { $0 != "\n" }))
        if reason.hasPrefix("CHECK constraint failed") { reason = "CHECK constraint failed" }
        if reason.count > 120 { reason = String(reason.prefix(120)) + "…" }
        return .refusedEvent(seq: event.seq, id: event.id, field: field, value: field.flatMap(event.text(of:)), reason: reason)
    }

    /// Binds each of `rows` to `statement` (13 parameters each, from 1 on) and runs it once.
    private func insert<Rows: Collection>(
        _ rows: Rows, with statement: RawStatement, _ bind: (Rows.Element, CInt) throws -> Void
    ) throws {
        statement.reset()
        var first: CInt = 1
        for row in rows {
            try bind(row, first)
            first += 13
        }
        _ = try statement.execute(db)
    }

    /// Binds an event's 13 values (EventLog's INSERT column order) from parameter `first` on.
    private func bind(_ event: TeamLogEvent, to statement: RawStatement, from first: CInt, recordedAt: String) {
        statement.bind(first, event.id)
        statement.bind(first + 1, event.skillName)
        statement.bind(first + 2, event.invokedAt)
        statement.bind(first + 3, event.workflowPath)
        statement.bind(first + 4, event.completed)
        statement.bind(first + 5, event.durationSeconds)
        statement.bind(first + 6, event.errorType)
        statement.bind(first + 7, event.sessionID)
        statement.bind(first + 8, event.followUpActions)
        statement.bind(first + 9, event.schemaVersion)
        statement.bind(first + 10, event.userContext)
        statement.bind(first + 11, event.finished)
        statement.bind(first + 12, recordedAt)
    }

    /// As above, for a chunk's event.
    private func bind(_ row: ChunkRow, to statement: RawStatement, from first: CInt, recordedAt: String) {
        statement.bind(first, bytes: row.id)
        statement.bind(first + 1, bytes: row.skillName)
        statement.bind(first + 2, bytes: row.invokedAt)
        statement.bind(first + 3, bytes: row.workflowPath)
        statement.bind(first + 4, row.completed)
        statement.bind(first + 5, row.durationSeconds)
        statement.bind(first + 6, bytes: row.errorType)
        statement.bind(first + 7, bytes: row.sessionID)
        statement.bind(first + 8, bytes: row.followUpActions)
        statement.bind(first + 9, row.schemaVersion)
        statement.bind(first + 10, bytes: row.userContext)
        statement.bind(first + 11, row.finished)
        statement.bind(first + 12, recordedAt)
    }
}
