import GRDB
import GRDBSQLite

/// Both projectors folded over one stream of events: the Swift side of every projection.
///
/// Used by rebuild (write the result), verify (compare with the stored tables) and audit
/// replay (stop at a seq). Folding can resume: `fold(_:through:)` continues after the
/// last event already folded.
public struct ProjectionSet: Sendable {
    /// The texts of every event folded, shared by the three projectors (whose own
    /// vocabularies stay empty until read through the properties below).
    private var vocabulary = FoldVocabulary()
    private var skillFold = SkillMetricsProjector()
    private var sessionFold = SessionSkillProjector()
    private var pathFold = WorkflowPathProjector()
    /// The follow-up list of the event being folded by ``apply(_:)-(StoredEventBytes)``, kept for its capacity.
    private var actionScratch: [Int] = []

    public var skillMetrics: SkillMetricsProjector {
        var projector = skillFold
        projector.vocabulary = vocabulary
        return projector
    }

    public var sessionSkills: SessionSkillProjector {
        var projector = sessionFold
        projector.vocabulary = vocabulary
        return projector
    }

    public var workflowPaths: WorkflowPathProjector {
        var projector = pathFold
        projector.vocabulary = vocabulary
        return projector
    }
    /// The seq of the last event folded (0 before any).
    public private(set) var lastSeq: Int64 = 0
    /// Events folded (finished or not).
    public private(set) var eventCount = 0

    public init() {}

    /// Folds one event (events must come in increasing seq order).
    public mutating func apply(_ event: ProjectionEvent) {
        let interned = vocabulary.intern(event)
        apply(interned)
    }

    /// Folds one event read as bytes, its texts interned straight from the caller's buffers
    /// (no `String` is made). Returns false, folding nothing, when its follow-up list is not a
    /// JSON array of strings.
    package mutating func apply(_ event: StoredEventBytes) -> Bool {
        var actions = actionScratch
        actionScratch = []  // held uniquely while the list is refilled
        defer { actionScratch = actions }
        actions.removeAll(keepingCapacity: true)
        guard EventLog.scanActions(event.followUpActions, into: &actions, { vocabulary.id(bytes: $0) }) else {
            return false
        }
        let interned = InternedEvent(
            seq: event.seq, skill: vocabulary.id(bytes: event.skillName), invokedAt: vocabulary.time(bytes: event.invokedAt),
            workflowPath: event.workflowPath.map { vocabulary.id(bytes: $0) } ?? -1, completed: event.completed,
            durationSeconds: event.durationSeconds, errorType: event.errorType.map { vocabulary.id(bytes: $0) } ?? -1,
            session: event.sessionID.map { vocabulary.id(bytes: $0) } ?? -1, followUpActions: actions,
            finished: event.finished)
        apply(interned)
        return true
    }

    /// Folds one event whose texts are ids of the set's vocabulary.
    private mutating func apply(_ event: InternedEvent) {
        skillFold.apply(event)
        sessionFold.apply(event)
        pathFold.apply(event)
        lastSeq = event.seq
        eventCount += 1
    }

    /// Folds the stored events after ``lastSeq`` up to `through`, in seq order, then (schema
    /// V2 and later) brings the percentiles up to date with the events folded.
    ///
    /// A fold of more than ``pipelinedFoldThreshold`` events runs on two threads: this one steps
    /// the statement and copies each row's columns into chunks (``EventByteChunk``), another
    /// interns and folds them, in order (``foldOnTwoThreads(_:through:progress:)``). The result
    /// and the errors are those of the one-thread fold.
    /// (`twoThreadsAbove` is for tests: 0 always takes two threads, `.max` never.)
    ///
    /// `completingPercentiles: false` leaves the percentiles to a later
    /// ``completePercentiles(_:)`` (a rebuild computes them on another connection while it
    /// compares tables).
    mutating func fold(
        _ db: Database, through: Int64 = .max, progress: ((Int) -> Void)? = nil,
        completingPercentiles: Bool = true, twoThreadsAbove threshold: Int64 = pipelinedFoldThreshold
    ) throws {
        let storedLast = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM skill_invocation") ?? 0
        if threshold < .max, Swift.min(storedLast, through) > lastSeq &+ threshold {
            try foldOnTwoThreads(db, through: through, progress: progress)
            if completingPercentiles { try completePercentiles(db) }
            return
        }
        var vocabulary = self.vocabulary
        self.vocabulary = FoldVocabulary()  // held uniquely while the reader interns into it
        defer { self.vocabulary = vocabulary }
        try InternedEvent.forEach(db, after: lastSeq, through: through, vocabulary: &vocabulary) { event in
            apply(event)
            if let progress, eventCount % 100_000 == 0 { progress(eventCount) }
        }
        if completingPercentiles { try completePercentiles(db, names: vocabulary) }
    }

    /// Above this many seqs to fold, ``fold(_:through:progress:completingPercentiles:twoThreadsAbove:)`` uses two threads.
    static let pipelinedFoldThreshold: Int64 = 20_000

    /// Events per chunk handed from the reading thread to the folding one.
    static let foldChunkEvents = 2_048

    /// ``fold(_:through:progress:completingPercentiles:twoThreadsAbove:)`` on two threads (without the percentiles): SQLite's stepping and the column copies
    /// here, the interning and the projectors on a thread of their own (a real-shaped log
    /// spends about three fifths of a fold in SQLite). At most four chunks wait between them.
    private mutating func foldOnTwoThreads(_ db: Database, through: Int64, progress: ((Int) -> Void)?) throws {
        var noStoredRows: StoredSessionRows.Reader?
        _ = try foldOnTwoThreads(db, through: through, progress: progress, storedSessionRows: &noStoredRows)
    }

    /// ``foldOnTwoThreads(_:through:progress:)``; with a `storedSessionRows` reader, the stored
    /// `session_skill` rows are also read beside the events (as far as their `first_seq` shows
    /// the events read so far could have begun them, one row more) and the folding thread lets
    /// its oldest session rows go after each chunk while each equals the next stored row.
    /// Returns the stored rows read and not matched yet, or nil without a reader or once more
    /// than ``waitingStoredRowsLimit`` waited (no row goes after that).
    private mutating func foldOnTwoThreads(
        _ db: Database, through: Int64, progress: ((Int) -> Void)?, storedSessionRows reader: inout StoredSessionRows.Reader?
    ) throws -> WaitingStoredRows? {
        let start = self
        let chunkEvents = Self.foldChunkEvents
        let waitingLimit = Self.waitingStoredRowsLimit
        let lettingRowsGo = reader != nil
        let statement = try db.makeStatement(sql: ProjectionEvent.selectSQL)
        try statement.setArguments([lastSeq, through])
        var row = EventColumns(statement)
        var read = eventCount
        let (folded, waiting) = try ChunkPipeline.runConsumingElsewhere(capacity: 4, consume: {
            (next: () throws -> SessionCheckedChunk?) -> (ProjectionSet, WaitingStoredRows?) in
            var projections = start
            var waiting: WaitingStoredRows? = lettingRowsGo ? WaitingStoredRows() : nil
            while let chunk = try next() {
                let repaired = projections.vocabulary.repairedTexts
                try chunk.events.forEach { event in
                    guard projections.apply(event) else {
                        throw SkillMetricsError.invalidInput(
                            location: "skill_invocation seq \(event.seq), column follow_up_actions",
                            reason: "not a JSON array of strings")
                    }
                    guard projections.vocabulary.repairedTexts == repaired else { throw event.invalidUTF8() }
                }
                guard var rows = waiting else { continue }
                waiting = nil  // held uniquely while it changes
                rows.append(chunk.storedRows)
                let names = projections.vocabulary
                projections.sessionFold.letIdenticalRowsGo { entry in rows.matchFirst(entry, names) }
                waiting = rows.count > waitingLimit ? nil : rows
            }
            return (projections, waiting)
        }, produce: { send in
            var chunk = SessionCheckedChunk(events: EventByteChunk(capacity: chunkEvents))
            do {
                while try row.step(db) {
                    try chunk.events.append(row)
                    read += 1
                    if let progress, read % 100_000 == 0 { progress(read) }
                    if chunk.events.count == chunkEvents || chunk.events.byteCount >= 1 << 20 {
                        try reader?.read(db, through: row.seq, into: &chunk.storedRows)
                        guard send(chunk) else { return }
                        chunk = SessionCheckedChunk(events: EventByteChunk(capacity: chunkEvents))
                    }
                }
            } catch {
                // The rows before the failing one are folded first, as in one thread.
                if chunk.events.count > 0 { _ = send(chunk) }
                throw error
            }
            if chunk.events.count > 0 {
                try reader?.read(db, through: row.seq, into: &chunk.storedRows)
                _ = send(chunk)
            }
        })
        self = folded
        return waiting
    }

    /// A whole log's fold on two threads (rebuild's and verify's, without the percentiles) that lets each
    /// session row go from memory once it equals its stored row, in order of first appearance,
    /// after each chunk of events (``foldOnTwoThreads(_:through:progress:storedSessionRows:)``):
    /// on a log whose sessions come and go, the rows held stay about those one chunk begins (at
    /// most ``foldChunkEvents``, plus the pairs still open), however many sessions the log has,
    /// instead of one per (session, skill) pair.
    ///
    /// Returns what the caller may do with the set (``SessionRowsFold``): use it with the
    /// stored `session_skill` rows proved exactly the fold's (every row and column, bit for bit,
    /// in the table's order, as ``ProjectionComparison/storedSessionRows(_:_:)`` compares); use it
    /// as a fold holding every row, when the rows differ but none went; or fold again, when
    /// this set already held events, the log is too small for two threads (nothing is folded
    /// then), or rows went that a rewrite of the table would need
    /// (``SessionSkillProjector/releasedCount``).
    ///
    /// A pair whose stored row matched too early (an altered table) and that then gets another
    /// event starts a new row, which cannot equal any stored row (the table's key is unique):
    /// the rows then differ, never a wrong count.
    mutating func foldLettingIdenticalSessionRowsGo(
        _ db: Database, progress: ((Int) -> Void)?, twoThreadsAbove threshold: Int64 = pipelinedFoldThreshold
    ) throws -> SessionRowsFold {
        let identical = try foldComparingSessionRows(db, progress: progress, twoThreadsAbove: threshold)
        switch identical {
        case nil: return .foldAgain
        case true?: return .storedRowsIdentical
        case false?: return sessionSkills.releasedCount == 0 ? .holdsEveryRow : .foldAgain
        }
    }

    /// What ``foldLettingIdenticalSessionRowsGo(_:progress:twoThreadsAbove:)`` leaves its caller.
    enum SessionRowsFold: Sendable, Equatable {
        /// The stored `session_skill` rows are exactly the fold's; rows may have gone from
        /// memory, so the set can no longer write or compare that table.
        case storedRowsIdentical
        /// The stored rows differ, and no row went: the set is a fold holding every row.
        case holdsEveryRow
        /// The set cannot be used (nothing folded, or rows went and the stored rows differ):
        /// fold the log again holding every row.
        case foldAgain
    }

    /// ``foldLettingIdenticalSessionRowsGo(_:progress:twoThreadsAbove:)``'s fold: whether the
    /// stored rows are exactly the fold's, or nil when nothing was folded.
    private mutating func foldComparingSessionRows(
        _ db: Database, progress: ((Int) -> Void)?, twoThreadsAbove threshold: Int64
    ) throws -> Bool? {
        let storedLast = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM skill_invocation") ?? 0
        var reader = StoredSessionRows.Reader(db)
        guard eventCount == 0, threshold < .max, storedLast > threshold, reader != nil else { return nil }
        guard var waiting = try foldOnTwoThreads(db, through: .max, progress: progress, storedSessionRows: &reader),
              var reader else { return false }
        // The rows still held against the stored rows not matched yet, to the end of the table.
        let names = vocabulary
        for entry in sessionFold.heldEntries {
            if waiting.count == 0 {
                var rows = StoredSessionRows()
                try reader.read(db, through: .max, atMost: 4_096, into: &rows)
                waiting.append(rows)
            }
            guard waiting.matchFirst(entry, names) else { return false }
        }
        guard waiting.count == 0 else { return false }
        var extra = StoredSessionRows()
        try reader.read(db, through: .max, atMost: 1, into: &extra)
        return extra.count == 0
    }

    /// Stored session rows that may wait for their fold rows before the fold gives up letting
    /// rows go (and then holds every row from there on).
    static let waitingStoredRowsLimit = 65_536

    /// Brings the percentiles up to date (schema V2 and later) from the stored durations of
    /// the events up to ``lastSeq``, for a set folded by ``apply(_:)-(ProjectionEvent)`` or
    /// ``apply(_:)-(StoredEventBytes)`` rather than read by `fold`: the fold counts durations,
    /// their order comes from the duration index.
    mutating func completePercentiles(_ db: Database) throws {
        try completePercentiles(db, names: vocabulary)
    }

    /// ``completePercentiles(_:)`` with the vocabulary given (`fold` holds it apart meanwhile).
    private mutating func completePercentiles(_ db: Database, names: FoldVocabulary) throws {
        if try Self.hasPercentileColumns(db) {
            try skillFold.computePercentiles(db, through: lastSeq, names: names)
        }
    }

    /// True when `skill_metrics` has the schema V2 percentile columns.
    static func hasPercentileColumns(_ db: Database) throws -> Bool {
        try db.columns(in: "skill_metrics").contains { $0.name == "p50_duration_seconds" }
    }

    /// Replaces the stored projections with these rows (inside the caller's transaction): the
    /// tables of the database's schema (V5: `skill_totals`, `skill_key_count`; earlier: the
    /// `skill_metrics` table), `session_skill`, and the search table (with its stored FTS index
    /// on schemas V2–V9).
    ///
    /// Each table's rows go through one prepared INSERT, bound column by column. A stored FTS
    /// index (V2–V9) is brought in line once at the end (``reindexSearch(_:checkingFirst:)``):
    /// a trigger that indexes each new pair on insert (schemas V5–V9) is suspended meanwhile and
    /// re-created from its own `sqlite_master` text, all in the caller's transaction (one FTS5
    /// insert per row costs a segment flush at every statement's savepoint).
    ///
    /// `keepingIdenticalTables` (a rebuild, which usually finds the projections right): the
    /// `skill_key_count`, `session_skill` and search tables are first compared with these rows
    /// as `verify` compares them (every row, every column, bit for bit, in the table's order)
    /// and left as they are when identical — rewriting them would store the same rows in the
    /// same order. `skill_totals` is always rewritten (it also holds the percentile trigger's
    /// cache, which a rebuild resets).
    ///
    /// `storedSessionRowsIdentical`, with `keepingIdenticalTables`: the answer of the
    /// `session_skill` comparison when the caller has it computed elsewhere (a rebuild compares
    /// on a reader connection, on the writer's state, while this thread compares the others).
    ///
    /// `withPercentiles`: this set with its percentiles completed elsewhere (a rebuild's fold
    /// leaves them, ``fold(_:through:progress:completingPercentiles:twoThreadsAbove:)``), taken
    /// when the skill rows are written, after the count rows and the search table.
    func write(
        to db: Database, keepingIdenticalTables: Bool = false, storedSessionRowsIdentical: (() throws -> Bool)? = nil,
        withPercentiles: (() throws -> ProjectionSet)? = nil
    ) throws {
        let schema = try ProjectionSchema.of(db)
        if try schema.hasKeyCountRows
            && !(keepingIdenticalTables && ProjectionComparison.storedKeyCounts(equal: self, schema: schema, db)) {
            try db.execute(sql: "DELETE FROM skill_key_count")
            try RowInserter.insertAll(
                skillMetrics.keyCountRows(includingPaths: schema.hasPathKeyCountRows).lazy.map(\.databaseValues),
                into: "skill_key_count", db)
        }
        // The search table, then the skill rows, then `session_skill`: a rebuild computes the
        // percentiles and compares the session rows on other connections meanwhile, and takes
        // those answers as late as it can.
        if schema.hasWorkflowPaths {
            try writeWorkflowPaths(to: db, schema: schema, keepingIdenticalTables: keepingIdenticalTables)
        }
        let skills = try withPercentiles?().skillMetrics ?? skillMetrics
        if schema.hasKeyCountRows {
            try db.execute(sql: "DELETE FROM skill_totals")
            try RowInserter.insertAll(skills.totalsRows.lazy.map(\.totalsDatabaseValues), into: "skill_totals", db)
        } else {
            try db.execute(sql: "DELETE FROM skill_metrics")
            try RowInserter.insertAll(
                skills.rows.lazy.map { $0.databaseValues(percentiles: schema.hasPercentiles) },
                into: "skill_metrics", db)
        }
        let keepSessions = try keepingIdenticalTables
            && (storedSessionRowsIdentical?() ?? ProjectionComparison.storedSessionRows(sessionSkills, db))
        if !keepSessions {
            let sessions = sessionSkills
            guard sessions.releasedCount == 0 else {
                // Rows go only in a fold that then proved the stored rows identical (rebuild).
                throw SkillMetricsError.invalidInput(
                    location: "session_skill", reason: "the fold no longer holds every row to write (internal error)")
            }
            try db.execute(sql: "DELETE FROM session_skill")
            try MultiRowInsert(into: "session_skill", columns: SessionSkillProjector.columns)
                .run(db, count: sessions.rowCount) { statement, row, first in
                    sessions.bind(row: row, to: statement, from: first)
                }
        }
    }

    /// The `skill_workflow_path` part of ``write(to:keepingIdenticalTables:storedSessionRowsIdentical:withPercentiles:)``
    /// (schema V5 and later): the rows, and on V5–V9 their stored FTS index.
    private func writeWorkflowPaths(to db: Database, schema: ProjectionSchema, keepingIdenticalTables: Bool) throws {
        if try keepingIdenticalTables && ProjectionComparison.storedWorkflowPaths(equal: self, db) {
            // The rows are right; their FTS index is checked as after a rewrite of the same rows.
            if schema.hasStoredSearchIndex { try Self.reindexSearch(db, checkingFirst: true) }
        } else {
            let indexTrigger = schema.indexesWorkflowPathsOnInsert
                ? try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'skill_workflow_path_index'")
                : nil
            if indexTrigger != nil { try db.execute(sql: "DROP TRIGGER skill_workflow_path_index") }
            // Rows before (a rebuild): their index may already be right. None (a load into an
            // empty log): there is nothing to keep.
            let hadRows = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM skill_workflow_path)") ?? false
            try db.execute(sql: "DELETE FROM skill_workflow_path")
            try RowInserter.insertAll(workflowPaths.rows.lazy.map(\.databaseValues), into: "skill_workflow_path", db)
            if schema.hasStoredSearchIndex { try Self.reindexSearch(db, checkingFirst: hadRows) }
            if let indexTrigger { try db.execute(sql: indexTrigger) }
        }
    }

    /// Brings the search table's FTS5 index in line with the `skill_workflow_path` rows just
    /// written. A rebuild usually writes back the same (id, skill, path) rows, whose index is
    /// still right: FTS5's `integrity-check` against the content table (rank 1) proves it for
    /// about a fifth of the cost of re-indexing (200k real-shaped events: 18 ms against 96 ms).
    /// An index that fails the check — rows that changed, an index damaged or edited by hand —
    /// is rebuilt from the rows; so is every index when `checkingFirst` is false.
    static func reindexSearch(_ db: Database, checkingFirst: Bool) throws {
        if checkingFirst {
            do {
                try db.execute(sql: "INSERT INTO skill_workflow_path_fts (skill_workflow_path_fts, rank) VALUES ('integrity-check', 1)")
                return
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT {
                // Rebuilt below.
            }
        }
        try db.execute(sql: "INSERT INTO skill_workflow_path_fts (skill_workflow_path_fts) VALUES ('rebuild')")
    }
}

/// Inserts a table's rows with multi-row INSERTs (``MultiRowInsert``), values bound straight
/// to the statements (no `StatementArguments` or SQL text per row).
private enum RowInserter {
    /// Inserts every row (all with the same columns, in the same order) into `table`, in order.
    static func insertAll<Rows: Sequence>(
        _ rows: Rows, into table: String, _ db: Database
    ) throws where Rows.Element == [(column: String, value: DatabaseValue)] {
        var insert: MultiRowInsert?
        var pending: [[(column: String, value: DatabaseValue)]] = []
        func flush() throws {
            guard let insert, !pending.isEmpty else { return }
            try insert.run(db, count: pending.count) { statement, row, first in
                for (offset, entry) in pending[row].enumerated() { statement.bind(first + CInt(offset), entry.value) }
            }
            pending.removeAll(keepingCapacity: true)
        }
        for row in rows {
            let current = insert ?? MultiRowInsert(into: table, columns: row.map(\.column))
            insert = current
            guard row.count == current.columns.count else {
                throw SkillMetricsError.database(
                    operation: "rebuild", message: "a row of \(row.count) values for \(current.columns.count) columns")
            }
            pending.append(row)
            if pending.count == current.rowsPerStatement { try flush() }
        }
        try flush()
    }
}
