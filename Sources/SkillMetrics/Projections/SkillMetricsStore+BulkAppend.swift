import GRDB

extension SkillMetricsStore {
    /// How ``appendInBulk(_:insertGuards:_:)`` brings the projections up to date after its body's INSERTs.
    public enum BulkProjection: Sendable, Equatable {
        /// Recompute every projection from the whole log (the fold `rebuild` runs): the
        /// cheapest for a load as large as the log, such as one into an empty file.
        case wholeLogFold
        /// Fold only the rows the body appended into the stored projections (schema V5 and
        /// later; on an older schema the projection triggers stay live instead).
        case incrementalFold
    }

    /// What checks the rows ``appendInBulk(_:insertGuards:_:)``'s body inserts, besides the
    /// schema's constraints.
    public enum InsertGuards: Sendable, Equatable {
        /// The insert guard triggers stay live: the body's INSERTs are checked as any client's.
        case live
        /// For a body whose INSERTs are plain (never `OR REPLACE` or `OR IGNORE`) and bind no
        /// `seq`, so that the UNIQUE index refuses a stored id as the guard would: the guard
        /// triggers are suspended while it runs (a row trigger that may RAISE costs a trigger
        /// program and statement-journal writes per row), and what they check beyond that —
        /// the follow-ups of an unfinished event must be strings — is checked once over the
        /// appended rows afterwards, failing with the guard's own message.
        case checkedAfterwards
    }

    /// Runs `body` — which appends rows to `skill_invocation` with plain INSERTs, as any SQLite
    /// client may (the constraints and, unless `insertGuards` says otherwise, the integrity
    /// triggers still check every row) — in one write transaction with the projection triggers
    /// suspended, then brings the projections up to date as `projection` says, in the same
    /// transaction: a failure rolls everything back.
    ///
    /// For writers that keep rows byte for byte as another log holds them (a replica pulled
    /// from the team log) and so cannot go through `append(_:)`'s typed events.
    public func appendInBulk<T>(
        _ projection: BulkProjection, insertGuards: InsertGuards = .live, _ body: (Database) throws -> T
    ) throws -> T {
        try write { db in
            func guarded() throws -> T { try Self.run(body, db, insertGuards) }
            switch projection {
            case .wholeLogFold:
                return try BulkProjectionLoad.run(db, guarded)
            case .incrementalFold:
                guard try BulkProjectionLoad.supportsIncrementalFold(db) else { return try guarded() }
                return try BulkProjectionLoad.runIncremental(db, guarded)
            }
        }
    }

    /// As `appendInBulk(.wholeLogFold, insertGuards:, body)` into a log with no event, with the
    /// fold done by the caller — who may run it on another thread while `body` writes the rows.
    ///
    /// `body` appends the rows with plain INSERTs (they get seqs 1, 2, … in order) and returns
    /// the projections folded over exactly those events, in that order, with those seqs
    /// (``ProjectionSet/apply(_:)-(ProjectionEvent)``). The percentiles are computed here from
    /// the stored durations, and everything is written in the same transaction. Should the
    /// stored seqs not be 1…`eventCount` (a log whose seq had moved before it emptied), the
    /// caller's fold is not used and the log is folded here. Throws `invalidInput` when the
    /// log has an event.
    ///
    /// `distinctIDs`: the caller knows the events' ids are distinct (e.g. they come from a
    /// log that enforces it), so the id index is built once at the end instead of per event;
    /// should two share an id after all, the load throws
    /// ``SkillMetricsError/invalidEvent(id:field:reason:)`` naming it and changes nothing. It
    /// takes effect with `insertGuards: .checkedAfterwards` only: the live insert guard looks
    /// every new id up in that index.
    public func appendInBulkToEmptyLog(
        insertGuards: InsertGuards = .live, distinctIDs: Bool = false, _ body: (Database) throws -> ProjectionSet
    ) throws {
        try writeWithTemporaryFiles { db in
            try BulkProjectionLoad.loadIntoEmptyLog(
                db, distinctIDs: distinctIDs && insertGuards == .checkedAfterwards, foldedByCaller: { try Self.run(body, db, insertGuards) })
        }
    }

    /// Runs a bulk body with the insert guards as `insertGuards` says.
    private static func run<T>(_ body: (Database) throws -> T, _ db: Database, _ insertGuards: InsertGuards) throws -> T {
        guard insertGuards == .checkedAfterwards else { return try body(db) }
        let before = try maxSeq(db)
        let result = try BulkProjectionLoad.suspendingInsertGuards(db) { try body(db) }
        try BulkProjectionLoad.checkUnfinishedFollowUps(db, after: before)
        return result
    }
}
