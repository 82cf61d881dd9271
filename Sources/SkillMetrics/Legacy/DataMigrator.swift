import GRDB

/// Imports legacy JSON files into the event log (phase 2 of the migration).
///
/// Every entry becomes one event, appended in completion order (``CompletionOrder``) in one
/// transaction, together with a `legacy_import` row; then the projections the triggers
/// maintained are compared with the file's aggregates (``LegacyValidator``). Ids are
/// deterministic (`LegacyEventBuilder`): re-importing a file appends nothing, a later
/// version appends only what is new. Any bad input fails before the commit and leaves the
/// database unchanged; a dry run rolls back after validating.
public struct DataMigrator: Sendable {
    public let store: SkillMetricsStore

    public struct Options: Sendable {
        /// The zone the file's naive times were written in (crackerjack).
        public var timeZone: LegacyTimeZone
        /// nil: detect.
        public var dialect: LegacyDialect?
        /// Validate and report, write nothing.
        public var dryRun: Bool

        /// How the projections follow the imported events (same result either way).
        public enum Projection: Sendable, Equatable {
            /// Bulk for an import of 2,000 events or more that is at least as large as the log.
            case automatic
            /// The per-event triggers.
            case perEvent
            /// Suspend the projection triggers and fold once (`BulkProjectionLoad`).
            case bulk
        }

        public var projection: Projection

        public init(timeZone: LegacyTimeZone, dialect: LegacyDialect? = nil, dryRun: Bool = false, projection: Projection = .automatic) {
            self.timeZone = timeZone
            self.dialect = dialect
            self.dryRun = dryRun
            self.projection = projection
        }
    }

    /// Events built and appended at a time.
    static let eventsPerChunk = 1_000

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// Imports the file at `path`. `progress` is told the number of entries processed.
    public func importFile(path: String, options: Options, progress: ((Int) -> Void)? = nil) throws -> LegacyImportReport {
        let document = try LegacyDocument.load(path: path, dialect: options.dialect)
        return try importDocument(document, source: path, options: options, progress: progress)
    }

    /// Imports an already parsed document; `source` is recorded and used in messages.
    public func importDocument(
        _ document: LegacyDocument, source: String, options: Options, progress: ((Int) -> Void)? = nil
    ) throws -> LegacyImportReport {
        let zone = options.timeZone
        let order = CompletionOrder(document)
        let count = order.positions.count
        let pending = document.invocations.filter { $0.isPending(in: document.dialect) }.count
        // Into an empty log the load may run with the rollback journal (RollbackJournal); a dry
        // run keeps the file's journal mode (its transaction is rolled back).
        func load(_ db: Database) throws -> LegacyImportReport {
            var report = LegacyImportReport(
                source: source, dialect: document.dialect, timeZone: zone.identifier,
                invocations: document.invocations.count, pending: pending, appended: 0,
                alreadyPresent: 0, tiedCompletions: order.ties.count, dryRun: options.dryRun, differences: [])
            try db.inTransaction(.immediate) {
                // A large import folds the projections once instead of per event.
                let existing = try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") ?? 0
                // The log's own (not imported) events: a rolled-back file holds them as entries
                // whose import ids are not theirs (NativeEventMatcher).
                var natives = try NativeEventMatcher(db, dialect: document.dialect, zone: zone)
                var claimed = 0
                var result = SkillMetricsStore.AppendResult()
                /// Appends one chunk of built events, the `start`-th onwards in completion order.
                func append(_ chunk: [EncodedInvocation], from start: Int) throws {
                    var chunk = chunk
                    // Where each event of the chunk stands in the file's list (for messages).
                    var positions = Array(order.positions[start..<(start + chunk.count)])
                    if !natives.isEmpty {
                        var kept: [EncodedInvocation] = [], keptPositions: [Int] = []
                        for (event, position) in zip(chunk, positions) {
                            if try natives.claim(document.invocations[position], id: event.event.id, in: db) {
                                claimed += 1
                            } else {
                                kept.append(event)
                                keptPositions.append(position)
                            }
                        }
                        (chunk, positions) = (kept, keptPositions)
                    }
                    result.add(try EventLog.appendBatch(
                        // LegacyEventBuilder validated every event (its errors name the JSON path).
                        encoded: chunk, in: db, validated: true, projection: .perEvent,
                        locate: { "\(source): invocations[\(positions[$0])]" },
                        progress: progress.map { tell in { tell(start + $0) } }))
                }
                // Events are built one chunk at a time inside the append loop (never all of them
                // beside the document).
                func appendAll() throws {
                    var start = 0
                    repeat {
                        let end = min(start + Self.eventsPerChunk, count)
                        try append(Self.events(start..<end, of: document, in: order, zone: zone, source: source), from: start)
                        start = end
                    } while start < count
                }
                // Into an empty log: the events are built and folded on a thread of their own
                // while this one inserts the chunks built before (ChunkPipeline).
                func appendAllPipelined() throws -> ProjectionSet {
                    var start = 0
                    return try ChunkPipeline.run(capacity: 4, produce: { send in
                        try Self.buildAndFold(document, in: order, zone: zone, source: source, send: send)
                    }, consume: { chunk in
                        try append(chunk, from: start)
                        start += chunk.count
                    })
                }
                // Inside a bulk load the typed events go in with the CHECKs off (see CheckedByConstruction).
                func appendAllUnchecked() throws {
                    try CheckedByConstruction.withoutChecks(db, appendAll)
                }
                // The projection triggers suspended, the batch folded incrementally; the event
                // indexes stay (the matcher looks entries up through them).
                func appendAllFoldedIncrementally() throws {
                    if try BulkProjectionLoad.supportsIncrementalFold(db) {
                        try BulkProjectionLoad.runIncremental(db, appendAllUnchecked)
                    } else {
                        try appendAll()
                    }
                }
                switch options.projection {
                case .automatic where BulkProjectionLoad.isWorthwhile(loading: count, existing: existing), .bulk:
                    if try SkillMetricsStore.maxSeq(db) == 0 {
                        // Ids hold the entry's position in the file: distinct within it (and
                        // withoutChecks suspends the insert guard, which would look each one up).
                        try BulkProjectionLoad.loadIntoEmptyLog(db, distinctIDs: true) {
                            try CheckedByConstruction.withoutChecks(db, appendAllPipelined)
                        }
                    } else if natives.isEmpty {
                        try BulkProjectionLoad.run(db, loading: count, appendAllUnchecked)
                    } else {
                        // A bulk load suspends the (skill_name, invoked_at) index that the
                        // matcher reads once per entry: without it each lookup scanned the log
                        // (20,000 entries after 100 appended events: 66 s instead of 1 s).
                        try appendAllFoldedIncrementally()
                    }
                case .automatic where count >= BulkProjectionLoad.incrementalMinimumCount:
                    try appendAllFoldedIncrementally()
                case .automatic, .perEvent:
                    try appendAll()
                }
                report.appended = result.appended
                report.alreadyPresent = result.alreadyPresent + claimed
                // log_seq: the last seq the file accounts for. An event of the log's own that the
                // file lacks (appended since, not rolled back into it) keeps export from taking
                // the file's last_updated for the log's.
                let accountedThrough = try natives.firstUnclaimedSeq(db).map { $0 - 1 } ?? SkillMetricsStore.maxSeq(db)
                try db.execute(sql: """
                    INSERT INTO legacy_import (source_path, dialect, time_zone, last_updated, invocations,
                        appended, already_present, log_seq)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [
                        source, document.dialect.rawValue, zone.identifier, document.lastUpdated,
                        document.invocations.count, report.appended, report.alreadyPresent,
                        accountedThrough,
                    ])
                let rows = try Row.fetchAll(db, sql: SkillMetricsRow.selectSQL + " ORDER BY first_seq ASC")
                    .map(SkillMetricsRow.init(row:))
                report.differences = LegacyValidator.compare(database: rows, document: document, zone: zone)
                return options.dryRun ? .rollback : .commit
            }
            return report
        }
        return options.dryRun ? try store.writeWithoutTransaction(load) : try store.writeWithoutTransactionForLoad(load)
    }

    /// The events of `order`'s positions in `range`, built from `document` with their row texts
    /// (errors name the file and the JSON path).
    private static func events(
        _ range: Range<Int>, of document: LegacyDocument, in order: CompletionOrder, zone: LegacyTimeZone, source: String
    ) throws -> [EncodedInvocation] {
        var events: [EncodedInvocation] = []
        events.reserveCapacity(range.count)
        for position in order.positions[range] {
            do {
                events.append(EncodedInvocation(try LegacyEventBuilder.event(
                    for: document.invocations[position], position: position, dialect: document.dialect, zone: zone)))
            } catch let error as SkillMetricsError {
                if case .invalidInput(let location, let reason) = error {
                    throw SkillMetricsError.invalidInput(location: "\(source): \(location)", reason: reason)
                }
                throw error
            }
        }
        return events
    }

    /// Builds every event of `order` chunk by chunk with its row texts, `send`s each chunk, and
    /// folds them with seqs 1, 2, … (what an empty log gives them when every one is appended;
    /// otherwise ``BulkProjectionLoad/loadIntoEmptyLog(_:foldedByCaller:)`` folds the log
    /// instead). Stops early, returning an empty set, when `send` says the consumer has stopped.
    private static func buildAndFold(
        _ document: LegacyDocument, in order: CompletionOrder, zone: LegacyTimeZone, source: String,
        send: ([EncodedInvocation]) -> Bool
    ) throws -> ProjectionSet {
        var projections = ProjectionSet()
        var seq: Int64 = 0
        var start = 0
        let count = order.positions.count
        while start < count {
            let end = min(start + eventsPerChunk, count)
            let chunk = try events(start..<end, of: document, in: order, zone: zone, source: source)
            guard send(chunk) else { return ProjectionSet() }
            for encoded in chunk {
                seq += 1
                projections.apply(ProjectionEvent(encoded.event, seq: seq))
            }
            start = end
        }
        return projections
    }
}
