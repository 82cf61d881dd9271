import GRDB

extension SkillMetricsStore {
    /// How ``appendInBulk(_:_:)`` brings the projections up to date after its body's INSERTs.
    public enum BulkProjection: Sendable, Equatable {
        /// Recompute every projection from the whole log (the fold `rebuild` runs): the
        /// cheapest for a load as large as the log, such as one into an empty file.
        case wholeLogFold
        /// Fold only the rows the body appended into the stored projections (schema V5 and
        /// later; on an older schema the projection triggers stay live instead).
        case incrementalFold
    }

    /// Runs `body` — which appends rows to `skill_invocation` with plain INSERTs, as any SQLite
    /// client may (the integrity triggers and constraints still check every row) — in one write
    /// transaction with the projection triggers suspended, then brings the projections up to
    /// date as `projection` says, in the same transaction: a failure rolls everything back.
    ///
    /// For writers that keep rows byte for byte as another log holds them (a replica pulled
    /// from the team log) and so cannot go through `append(_:)`'s typed events.
    public func appendInBulk<T>(_ projection: BulkProjection, _ body: (Database) throws -> T) throws -> T {
        try write { db in
            switch projection {
            case .wholeLogFold:
                return try BulkProjectionLoad.run(db) { try body(db) }
            case .incrementalFold:
                guard try BulkProjectionLoad.supportsIncrementalFold(db) else { return try body(db) }
                return try BulkProjectionLoad.runIncremental(db) { try body(db) }
            }
        }
    }
}
