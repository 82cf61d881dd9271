import GRDB
import Foundation
import GRDBSQLite

extension SkillMetricsStore {
    /// What a rebuild did.
    public struct RebuildResult: Sendable, Equatable {
        public var events: Int
        public var skills: Int
        public var sessionSkills: Int
        /// The most `session_skill` rows the fold held in memory at once (``sessionSkills``
        /// unless the fold could let identical rows go).
        package var sessionRowsHeldAtMost: Int = 0
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
        try rebuild(progress: progress, betweenFoldAndSwap: nil)
    }

    /// ``rebuild(progress:)`` running `betweenFoldAndSwap` after the fold's read snapshot and
    /// before the write transaction (for tests: a writer that comes in between).
    ///
    /// A log big enough to fold on two threads is first folded letting each `session_skill` row
    /// go from memory once it equals its stored row (``ProjectionSet/foldLettingIdenticalSessionRowsGo(_:progress:twoThreadsAbove:)``):
    /// then the rows held stay about one chunk's on a log whose sessions come and go. That fold is used
    /// as it is when the stored session rows proved identical and no connection has written
    /// since its snapshot, or when it let no row go (it then holds every row, as before);
    /// otherwise the log is folded again holding every row (a rebuild that repairs
    /// `session_skill` after rows went, or one with writers around it, folds twice).
    package func rebuild(progress: ((Int) -> Void)?, betweenFoldAndSwap: (() throws -> Void)?) throws -> RebuildResult {
        if let result = try rebuildLettingSessionRowsGo(progress: progress, betweenFoldAndSwap) { return result }
        var projections = try read { db in
            var projections = ProjectionSet()
            try projections.fold(db, progress: progress, completingPercentiles: false)
            return projections
        }
        try betweenFoldAndSwap?()
        return try write { db in
            try projections.fold(db, completingPercentiles: false)
            return try swapProjections(projections, db)
        }
    }

    /// The rebuild whose fold lets identical session rows go; nil when it cannot be used: a
    /// small log, or session rows that differ after some had gone, or (when the stored rows
    /// proved identical) a write by any connection since the fold's snapshot, which
    /// `PRAGMA data_version` and the writer's `total_changes()` show. A fold that let no row go
    /// holds every row, and goes on as the fold holding every row does.
    private func rebuildLettingSessionRowsGo(
        progress: ((Int) -> Void)?, _ betweenFoldAndSwap: (() throws -> Void)?
    ) throws -> RebuildResult? {
        let writes = "SELECT (SELECT data_version FROM pragma_data_version()) || ':' || total_changes()"
        let before = try writeWithoutTransaction { db in try String.fetchOne(db, sql: writes) }
        let folded = try read { db -> (projections: ProjectionSet, sessionRows: ProjectionSet.SessionRowsFold) in
            var projections = ProjectionSet()
            let sessionRows = try projections.foldLettingIdenticalSessionRowsGo(db, progress: progress)
            return (projections, sessionRows)
        }
        guard folded.sessionRows != .foldAgain, before != nil else { return nil }
        try betweenFoldAndSwap?()
        return try write { db in
            guard folded.sessionRows == .storedRowsIdentical else {
                // Every row held: the events appended since are folded, the rows compared.
                var projections = folded.projections
                try projections.fold(db, completingPercentiles: false)
                return try swapProjections(projections, db)
            }
            guard try String.fetchOne(db, sql: writes) == before else { return nil }
            return try swapProjections(folded.projections, db, sessionRowsProvedIdentical: true)
        }
    }

    /// The rebuild's write transaction after its fold: the percentiles computed, and (unless
    /// `sessionRowsProvedIdentical`, by a fold that let the rows go) the stored `session_skill`
    /// rows compared, on reader connections while this one compares and writes the other tables.
    private func swapProjections(
        _ projections: ProjectionSet, _ db: Database, sessionRowsProvedIdentical: Bool = false
    ) throws -> RebuildResult {
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
        let sessionComparison = sessionRowsProvedIdentical
            ? nil
            : ConcurrentComputation { [self] in try read { db in try ProjectionComparison.storedSessionRows(sessions, db) } }
        defer { sessionComparison?.wait() }
        try projections.write(
            to: db, keepingIdenticalTables: true,
            storedSessionRowsIdentical: { try sessionComparison?.value() ?? true },
            withPercentiles: { try completed.value() })
        return RebuildResult(
            events: projections.eventCount,
            skills: projections.skillMetrics.skillCount,
            sessionSkills: projections.sessionSkills.rowCount,
            sessionRowsHeldAtMost: projections.sessionSkills.peakHeldRows)
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
        /// The most `session_skill` rows the fold held in memory at once (``sessionSkills``
        /// unless the fold could let identical rows go).
        package var sessionRowsHeldAtMost: Int = 0
    }

    /// Recomputes the projections on one read snapshot and compares them with the stored
    /// tables, every column, bit for bit.
    ///
    /// A log big enough to fold on two threads is folded letting each `session_skill` row go
    /// from memory once it equals its stored row, as ``rebuild(progress:)`` does, so the rows
    /// held stay about one chunk's on a log whose sessions come and go. When the stored rows
    /// differ after some had gone, the log is folded again holding every row, which names
    /// every difference as before (a `verify` that fails on `session_skill` folds twice).
    public func verify(progress: ((Int) -> Void)? = nil) throws -> VerifyResult {
        try read { db in try ProjectionComparison.verify(db, progress: progress) }
    }
}
