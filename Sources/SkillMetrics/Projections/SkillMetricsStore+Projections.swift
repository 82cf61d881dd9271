import GRDB
import Foundation
import GRDBSQLite

extension SkillMetricsStore {
    /// What a rebuild did.
    public struct RebuildResult: Sendable, Equatable {
        public var events: Int
        public var skills: Int
        public var sessionSkills: Int
    }

    /// Recomputes both projections from the log with the Swift projectors and replaces the
    /// stored ones in one transaction.
    ///
    /// Most of the log is folded on a read snapshot, so writers are not blocked meanwhile;
    /// the events appended since are folded inside the write transaction that swaps the
    /// tables. Readers see the old projections until that transaction commits, and a crash
    /// before the commit leaves the old projections in place. Folds of many events run on two
    /// threads (``ProjectionSet/fold(_:through:progress:completingPercentiles:twoThreadsAbove:)``);
    /// the percentiles are computed, and the stored `session_skill` rows compared, on reader
    /// connections while the writer compares the other tables. A table found identical to the
    /// recomputed rows (every row and column, bit for bit, as `verify` compares) is kept as it
    /// is instead of being rewritten (``ProjectionSet/write(to:keepingIdenticalTables:storedSessionRowsIdentical:withPercentiles:)``).
    @discardableResult
    public func rebuild(progress: ((Int) -> Void)? = nil) throws -> RebuildResult {
        var projections = try read { db in
            var projections = ProjectionSet()
            try projections.fold(db, progress: progress, completingPercentiles: false)
            return projections
        }
        return try write { db in
            try projections.fold(db, completingPercentiles: false)
            // The write lock is held, so until this transaction commits a reader sees the state
            // it began with (the writer's own changes stay invisible to it). The percentiles are
            // computed there (from the duration index, up to the last seq folded), and the
            // session rows (the most rows to compare) compared, while the writer goes on.
            let folded = projections
            let completed = ConcurrentComputation { [self] in
                try read { db in
                    var completed = folded
                    try completed.completePercentiles(db)
                    return completed
                }
            }
            defer { completed.wait() }
            let sessions = projections.sessionSkills
            let sessionComparison = ConcurrentComputation { [self] in
                try read { db in try ProjectionComparison.storedSessionRows(sessions, db) }
            }
            defer { sessionComparison.wait() }
            try projections.write(
                to: db, keepingIdenticalTables: true, storedSessionRowsIdentical: { try sessionComparison.value() },
                withPercentiles: { try completed.value() })
            return RebuildResult(
                events: projections.eventCount,
                skills: projections.skillMetrics.skillCount,
                sessionSkills: projections.sessionSkills.rowCount)
        }
    }

    /// What a verification found.
    public struct VerifyResult: Sendable, Equatable {
        /// Events folded.
        public var events: Int
        public var skills: Int
        public var sessionSkills: Int
        /// Every disagreement; empty when triggers and projectors agree bit for bit.
        public var differences: [ProjectionDifference]
        public var isConsistent: Bool { differences.isEmpty }
    }

    /// Recomputes the projections on one read snapshot and compares them with the stored
    /// tables, every column, bit for bit.
    public func verify(progress: ((Int) -> Void)? = nil) throws -> VerifyResult {
        try read { db in
            var projections = ProjectionSet()
            try projections.fold(db, progress: progress)
            return try ProjectionComparison.compare(projections, with: db)
        }
    }
}
