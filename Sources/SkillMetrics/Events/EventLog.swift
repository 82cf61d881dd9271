import GRDB

/// Reads and appends rows of `skill_invocation` inside a caller's transaction.
///
/// The store's public API wraps these in transactions; projectors, audit and export stream
/// events through ``forEach(_:after:through:_:)`` in `seq` order without loading the log.
package enum EventLog {
    static let columns = """
        seq, id, skill_name, invoked_at, workflow_path, completed, duration_seconds, error_type,
        session_id, follow_up_actions, schema_version, user_context, finished, recorded_at
        """

    /// The content columns an append binds (`seq` and, but for ``insertSQL(rows:)``,
    /// `recorded_at` are left to SQLite).
    package static let insertColumns = """
        id, skill_name, invoked_at, workflow_path, completed, duration_seconds, error_type, \
        session_id, follow_up_actions, schema_version, user_context, finished
        """

    package static let insertSQL = "INSERT INTO skill_invocation (\(insertColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

    /// Outcome of appending one event.
    enum AppendOutcome {
        case appended(seq: Int64)
        case alreadyPresent(seq: Int64)
    }

    /// Appends one event (validated first). An event whose id is stored with the same content
    /// is skipped; with different content it is a ``SkillMetricsError/conflictingEvent(id:fields:)``.
    ///
    /// The INSERT is tried first: the schema's BEFORE INSERT trigger (backed by the UNIQUE index)
    /// refuses an id that is already stored, and only then is the stored event read and compared.
    /// A new event so costs one statement instead of a SELECT by id followed by the INSERT.
    /// `validated`: the caller already ran ``SkillInvocation/validate(allowingNegativeDuration:)`` on this event.
    static func append(_ event: SkillInvocation, in db: Database, validated: Bool = false) throws -> AppendOutcome {
        if !validated { try event.validate() }
        let texts = EncodedInvocation.Texts(event)
        func insert() throws {
            let statement = try db.cachedStatement(sql: insertSQL)
            try statement.execute(arguments: [
                event.id, event.skillName, texts.invokedAtText, event.workflowPath,
                event.completed ? 1 : 0, event.durationSeconds, event.errorType, event.sessionID,
                texts.actionsJSON, event.schemaVersion, texts.userContextJSON, event.finished ? 1 : 0,
            ])
        }
        do {
            if texts.satisfiesChecks {
                try insert()
            } else {
                try CheckedByConstruction.withChecks(db, insert)
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            // A constraint failure aborts this statement only, never the transaction.
            if let existing = try fetch(id: event.id, in: db) {
                let differences = contentDifferences(existing.event, event)
                guard differences.isEmpty else {
                    throw SkillMetricsError.conflictingEvent(id: event.id, fields: differences)
                }
                return .alreadyPresent(seq: existing.seq)
            }
            throw SkillMetricsError.invalidEvent(id: event.id, field: "(row)", reason: "rejected by the schema: \(error.message ?? "constraint failed")")
        }
        return .appended(seq: db.lastInsertedRowID)
    }

    /// How a batch's projections are kept.
    enum BatchProjection: Sendable, Equatable {
        /// A batch as large as the log: the whole-log fold (``BulkProjectionLoad/run(_:_:)``); a
        /// batch of ``BulkProjectionLoad/incrementalMinimumCount`` or more on a V5 database: the
        /// incremental fold of the batch; a smaller batch: the triggers.
        case automatic
        /// The per-event triggers.
        case perEvent
        /// Suspend the projection triggers and fold in Swift (`BulkProjectionLoad`).
        case bulk
    }

    /// The one append loop (the store's `append`, `append --jsonl` batches and `import-json`
    /// all run it): appends `events` in order inside the caller's transaction. `locate` names
    /// an event (by its offset in `events`) in the errors of a bad or conflicting event;
    /// `progress` is told the number of events processed every 1,000.
    ///
    /// A batch folded incrementally on a schema that allows it runs in the writer's bulk mode
    /// (``WriterBulkMode``); `keepingBulkMode` leaves the mode on afterwards, for a caller
    /// whose transaction ends with this call and whose next batch would enter it again. Every
    /// other kind of batch leaves the mode before it starts.
    static func appendBatch(
        _ events: some Collection<SkillInvocation>, in db: Database, validated: Bool,
        projection: BatchProjection = .automatic, keepingBulkMode: Bool = false, locate: ((Int) -> String)? = nil,
        progress: ((Int) -> Void)? = nil
    ) throws -> SkillMetricsStore.AppendResult {
        try appendBatch(
            encoded: events.lazy.map(EncodedInvocation.init(deferring:)), in: db, validated: validated, projection: projection,
            keepingBulkMode: keepingBulkMode, locate: locate, progress: progress)
    }

    /// ``appendBatch(_:in:validated:projection:locate:progress:)`` for events whose row texts
    /// are already encoded (``EncodedInvocation``).
    static func appendBatch(
        encoded events: some Collection<EncodedInvocation>, in db: Database, validated: Bool,
        projection: BatchProjection = .automatic, keepingBulkMode: Bool = false, locate: ((Int) -> String)? = nil,
        progress: ((Int) -> Void)? = nil
    ) throws -> SkillMetricsStore.AppendResult {
        var result = SkillMetricsStore.AppendResult()
        // The appended events as the incremental fold reads them (nil: the fold is not used).
        var appended: [ProjectionEvent]?
        func appendOne(_ event: SkillInvocation, at offset: Int, validated: Bool) throws {
            do {
                let outcome = try append(event, in: db, validated: validated)
                result.record(outcome)
                if case .appended(let seq) = outcome { appended?.append(ProjectionEvent(event, seq: seq)) }
            } catch let error as SkillMetricsError {
                guard let locate else { throw error }
                throw SkillMetricsError.invalidInput(location: locate(offset), reason: error.description)
            }
        }
        // Validated events wait in `chunk` for one multi-row INSERT; a chunk the schema refuses
        // (an id already stored, or any other constraint) is appended again event by event,
        // which names the event and skips or compares stored ids exactly as before.
        var chunk: [EncodedInvocation] = []
        chunk.reserveCapacity(rowsPerInsert)
        var chunkStart = 0
        func flush() throws {
            defer {
                if let progress {
                    let end = chunkStart + chunk.count
                    var mark = (chunkStart / 1_000 + 1) * 1_000
                    while mark <= end {
                        progress(mark)
                        mark += 1_000
                    }
                }
                chunkStart += chunk.count
                chunk.removeAll(keepingCapacity: true)
            }
            if chunk.isEmpty { return }
            if chunk.count > 1, let lastSeq = try insertRows(chunk, in: db) {
                result.appended += chunk.count
                result.lastSeq = lastSeq
                // One INSERT statement numbers its rows consecutively (AUTOINCREMENT, no seq bound).
                if appended != nil {
                    let firstSeq = lastSeq - Int64(chunk.count) + 1
                    for (index, encoded) in chunk.enumerated() {
                        appended?.append(ProjectionEvent(encoded.event, seq: firstSeq + Int64(index)))
                    }
                }
                return
            }
            for (index, encoded) in chunk.enumerated() {
                try appendOne(encoded.event, at: chunkStart + index, validated: true)
            }
        }
        func appendAll() throws {
            for (offset, encoded) in events.enumerated() {
                if !validated {
                    do {
                        try encoded.event.validate()
                    } catch {
                        // Earlier events first: one of them may be the first failure.
                        try flush()
                        try appendOne(encoded.event, at: offset, validated: false)
                    }
                }
                chunk.append(encoded)
                if chunk.count == rowsPerInsert { try flush() }
            }
            try flush()
        }
        // Inside a bulk load the CHECKs go off for the typed events (CheckedByConstruction):
        // the trigger drop already makes SQLite prepare every statement again, so switching the
        // setting there costs nothing more.
        func appendAllUnchecked() throws {
            try CheckedByConstruction.withoutChecks(db, appendAll)
        }
        // The incremental fold in the writer's bulk mode: no trigger and no CHECK runs, and
        // nothing is dropped or re-created (see WriterBulkMode).
        func appendInBulkMode() throws {
            try WriterBulkMode.enter(db)
            do {
                appended = []
                appended?.reserveCapacity(events.count)
                try appendAll()
                try IncrementalProjectionFold.run(db, events: appended ?? [])
            } catch {
                if !keepingBulkMode { try? WriterBulkMode.leave(db) }
                throw error
            }
            if !keepingBulkMode { try WriterBulkMode.leave(db) }
        }
        // As large as the log: one fold of the whole log.
        var wholeLog = false
        var incremental = false
        if projection == .automatic {
            wholeLog = try events.count >= BulkProjectionLoad.minimumCount
                && BulkProjectionLoad.isWorthwhile(loading: events.count, existing: SkillMetricsStore.maxSeq(db))
            incremental = try !wholeLog && events.count >= BulkProjectionLoad.incrementalMinimumCount
                && BulkProjectionLoad.supportsIncrementalFold(db)
        }
        if incremental { try BatchPageCache.reserve(db) }
        if incremental, try WriterBulkMode.isAvailable(db) {
            try appendInBulkMode()
            return result
        }
        try WriterBulkMode.leave(db)
        switch projection {
        case .perEvent:
            try appendAll()
        case .bulk:
            try BulkProjectionLoad.run(db, loading: events.count, appendAllUnchecked)
        case .automatic:
            if incremental {
                appended = []
                appended?.reserveCapacity(events.count)
                try BulkProjectionLoad.runIncremental(db) { () throws -> [ProjectionEvent] in
                    try appendAllUnchecked()
                    return appended ?? []
                }
            } else if wholeLog {
                try BulkProjectionLoad.run(db, loading: events.count, appendAllUnchecked)
            } else {
                try appendAll()
            }
        }
        return result
    }

    /// Events per multi-row INSERT in ``appendBatch(_:in:validated:projection:locate:progress:)``
    /// (one statement, one statement journal and one bind pass per chunk instead of per event).
    static let rowsPerInsert = 1000

    /// `INSERT … VALUES (…), (…) …` of `rows` events: ``insertColumns`` then `recorded_at`
    /// (13 values a row).
    package static func insertSQL(rows: Int) -> String {
        "INSERT INTO skill_invocation (\(insertColumns), recorded_at) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
    }

    /// ``insertSQL(rows:)`` of ``rowsPerInsert`` rows, made once.
    static let fullInsertSQL = insertSQL(rows: rowsPerInsert)

    /// Inserts validated events with one statement; the seq of the last one, or nil when the
    /// schema refused one of them (a constraint: the statement changed nothing).
    private static func insertRows(_ events: [EncodedInvocation], in db: Database) throws -> Int64? {
        let texts = events.map(\.texts)
        // A chunk with an event the CHECKs must see goes event by event (with the CHECKs on).
        if texts.contains(where: { !$0.satisfiesChecks }) { return nil }
        let statement = try RawStatement(db, events.count == rowsPerInsert ? fullInsertSQL : insertSQL(rows: events.count))
        statement.reset()
        let recordedAt = Timestamp.now().recordedAtText
        // The texts are copied into one buffer and bound without SQLite copying each again
        // (StaticTexts; a copying bind is a malloc, a memcpy and a free per text).
        var arena = StaticTexts(capacity: events.count * 9, bytes: events.count * 256)
        var index: CInt = 0
        for (encoded, texts) in zip(events, texts) {
            let event = encoded.event
            arena.add(event.id, at: index + 1)
            arena.add(event.skillName, at: index + 2)
            arena.add(texts.invokedAtText, at: index + 3)
            if let path = event.workflowPath { arena.add(path, at: index + 4) } else { statement.bindNull(index + 4) }
            statement.bind(index + 5, event.completed ? 1 : 0)
            statement.bind(index + 6, event.durationSeconds)
            if let error = event.errorType { arena.add(error, at: index + 7) } else { statement.bindNull(index + 7) }
            if let session = event.sessionID { arena.add(session, at: index + 8) } else { statement.bindNull(index + 8) }
            arena.add(texts.actionsJSON, at: index + 9)
            statement.bind(index + 10, event.schemaVersion)
            if let context = texts.userContextJSON { arena.add(context, at: index + 11) } else { statement.bindNull(index + 11) }
            statement.bind(index + 12, event.finished ? 1 : 0)
            arena.add(recordedAt, at: index + 13)
            index += 13
        }
        let inserted = try arena.bound(to: statement) { () throws -> Bool in
            do {
                let changed = try statement.execute(db)
                guard changed == events.count else {
                    throw SkillMetricsError.database(
                        operation: "append", message: "a \(events.count)-row INSERT wrote \(changed) rows")
                }
                return true
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                return false
            }
        }
        guard inserted else { return nil }
        return db.lastInsertedRowID
    }

    /// The JSON array text of a follow-up list, as SQLite's `json_array` writes it.
    static func actionsJSON(_ actions: [String]) -> String {
        if actions.isEmpty { return "[]" }
        // JSONWriter's compact text of `.array(actions.map(JSONValue.string))`, written
        // directly (no array of JSON values per event: ~2k instructions an event).
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(actions.reduce(2) { $0 + $1.utf8.count + 3 })
        for (offset, action) in actions.enumerated() {
            if offset > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONWriter.appendQuoted(action, ensureASCII: false, into: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Names of the content fields that differ between two events with the same id.
    static func contentDifferences(_ stored: SkillInvocation, _ new: SkillInvocation) -> [String] {
        var fields: [String] = []
        // Texts by their bytes (``ExactText``), as they are stored: Swift's `==` would call a
        // precomposed and a decomposed "café" the same content and skip an event that differs.
        if !ExactText.same(stored.skillName, new.skillName) { fields.append("skill_name") }
        if stored.invokedAt != new.invokedAt { fields.append("invoked_at") }
        if !ExactText.same(stored.workflowPath, new.workflowPath) { fields.append("workflow_path") }
        if stored.completed != new.completed { fields.append("completed") }
        if stored.durationSeconds != new.durationSeconds { fields.append("duration_seconds") }
        if !ExactText.same(stored.errorType, new.errorType) { fields.append("error_type") }
        if !ExactText.same(stored.sessionID, new.sessionID) { fields.append("session_id") }
        if !ExactText.same(stored.followUpActions, new.followUpActions) { fields.append("follow_up_actions") }
        if stored.schemaVersion != new.schemaVersion { fields.append("schema_version") }
        let compact = JSONWriter(style: .compact)
        if !ExactText.same(stored.userContext.map { compact.string(.object($0)) }, new.userContext.map { compact.string(.object($0)) }) {
            fields.append("user_context")
        }
        if stored.finished != new.finished { fields.append("finished") }
        return fields
    }

    /// The stored event with this id, if any.
    static func fetch(id: String, in db: Database) throws -> StoredInvocation? {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM skill_invocation WHERE id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [id]) else { return nil }
        return try decode(row)
    }

    /// The stored event at this seq, if any.
    static func fetch(seq: Int64, in db: Database) throws -> StoredInvocation? {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM skill_invocation WHERE seq = ?")
        guard let row = try Row.fetchOne(statement, arguments: [seq]) else { return nil }
        return try decode(row)
    }

    /// Streams stored events in `seq` order, `after < seq <= through`.
    static func forEach(
        _ db: Database, after: Int64 = 0, through: Int64 = .max,
        _ body: (StoredInvocation) throws -> Void
    ) throws {
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT \(columns) FROM skill_invocation WHERE seq > ? AND seq <= ? ORDER BY seq
            """, arguments: [after, through])
        while let row = try cursor.next() {
            try body(try decode(row))
        }
    }

    /// Decodes a row selected with ``columns``. Rows another client wrote are checked: a value
    /// the schema should have refused is reported with its seq instead of trapping.
    static func decode(_ row: Row) throws -> StoredInvocation {
        let seq: Int64 = try StoredRow(row, table: "skill_invocation").decode(atIndex: 0)
        let stored = StoredRow(row, table: "skill_invocation", key: "seq \(seq)")
        func bad(_ field: String, _ reason: String) -> SkillMetricsError {
            .invalidInput(location: "skill_invocation seq \(seq), field \(field)", reason: reason)
        }
        let invokedText: String = try stored.decode(atIndex: 3)
        guard let invokedAt = Timestamp.parseCanonical(invokedText) else {
            throw bad("invoked_at", "not a canonical UTC timestamp: \(invokedText)")
        }
        let actionsText: String = try stored.decode(atIndex: 9)
        let actions = try parseActions(actionsText) ?? { throw bad("follow_up_actions", "not a JSON array of strings") }()
        var userContext: JSONObject?
        if let contextText: String = try stored.decodeIfPresent(atIndex: 11) {
            guard case .object(let object) = try? JSONParser().parse(contextText) else {
                throw bad("user_context", "not a JSON object")
            }
            userContext = object
        }
        let event = SkillInvocation(
            id: try stored.decode(atIndex: 1), skillName: try stored.decode(atIndex: 2), invokedAt: invokedAt,
            workflowPath: try stored.decodeIfPresent(atIndex: 4),
            completed: try stored.decodeFlag(atIndex: 5), durationSeconds: try stored.decodeIfPresent(atIndex: 6),
            errorType: try stored.decodeIfPresent(atIndex: 7), sessionID: try stored.decodeIfPresent(atIndex: 8),
            followUpActions: actions, schemaVersion: try stored.decode(atIndex: 10),
            userContext: userContext, finished: try stored.decodeFlag(atIndex: 12))
        return StoredInvocation(seq: seq, event: event, recordedAt: try stored.decode(atIndex: 13))
    }

    /// Parses a follow-up list; nil when the text is not a JSON array of strings.
    static func parseActions(_ text: String) throws -> [String]? {
        var text = text
        return text.withUTF8 { bytes -> [String]? in
            var actions: [String] = []
            let parsed = scanActions(bytes, into: &actions) { String(decoding: $0, as: UTF8.self) }
            return parsed ? actions : nil
        }
    }

    /// Appends `make(bytes)` to `list` for the UTF-8 bytes of each action of a follow-up list,
    /// in order; false (with `list` as it was) when the text is not a JSON array of strings.
    ///
    /// `[]` and the common case — `["a","b"]` exactly as SQLite's `json_array` writes it, with no
    /// escape sequence and no control character inside the strings — are read without the
    /// general parser: such text is a JSON array of strings whose values are the bytes between
    /// the quotes (a quote byte never occurs inside a UTF-8 multi-byte sequence). Anything else
    /// is decided by the strict parser.
    static func scanActions<Element>(
        _ bytes: UnsafeBufferPointer<UInt8>, into list: inout [Element],
        _ make: (UnsafeBufferPointer<UInt8>) -> Element
    ) -> Bool {
        if bytes.count == 2, bytes[0] == UInt8(ascii: "["), bytes[1] == UInt8(ascii: "]") { return true }
        let start = list.count
        if scanSimpleActions(bytes, { list.append(make($0)) }) { return true }
        list.removeSubrange(start...)
        guard case .array(let elements) = try? JSONParser().parse(String(decoding: bytes, as: UTF8.self)) else {
            return false
        }
        for element in elements {
            guard case .string(var action) = element else {
                list.removeSubrange(start...)
                return false
            }
            list.append(action.withUTF8 { make($0) })
        }
        return true
    }

    /// The fast path of ``scanActions(_:into:_:)``: true when `bytes` is of the simple form,
    /// `body` called for each action along the way (also before a `false`).
    private static func scanSimpleActions(
        _ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) -> Bool {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), backslash = UInt8(ascii: "\\")
        let end = bytes.count - 1
        guard end >= 3, bytes[0] == UInt8(ascii: "["), bytes[end] == UInt8(ascii: "]") else { return false }
        var index = 1
        while true {
            guard index < end, bytes[index] == quote else { return false }
            let start = index + 1
            var close = start
            while close < end, bytes[close] != quote {
                if bytes[close] == backslash || bytes[close] < 0x20 { return false }
                close += 1
            }
            guard close < end else { return false }
            body(UnsafeBufferPointer(rebasing: bytes[start..<close]))
            index = close + 1
            if index == end { return true }
            guard bytes[index] == comma else { return false }
            index += 1
        }
    }
}
