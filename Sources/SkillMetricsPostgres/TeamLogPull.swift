import Foundation
import Synchronization
import GRDB
import PostgresNIO
import SkillMetrics

/// `pull`: appends the team log's events, in the server's seq order, to a local database (a
/// replica of the whole team's log, on which every local command works).
///
/// Incremental and idempotent: the local table `sync_pull` keeps, per server, the last server
/// seq appended, written in the same transaction as the events; an id already in the local log
/// with the same content is skipped, with other content it is a conflict. The same transaction
/// records the local seqs it appended (``PulledEventRanges``), which a push to that log leaves out.
///
/// Into a replica that holds no event yet (a clone) the whole pull is ONE write transaction
/// with the projection triggers and the event indexes suspended
/// (``SkillMetricsStore/appendInBulkToEmptyLog(insertGuards:distinctIDs:_:)``): the server's events are
/// read on a task of their own in chunks of 5,000, each one row of aggregates, folded there and
/// handed to the writer through a ``ChunkChannel`` of bounded size (memory does not grow with
/// the log), which inserts them from the chunks' bytes; no per-id check is needed. A clone that
/// fails or is killed leaves the replica empty; run again, it starts over. Into a replica that
/// already has events the events go in batches (default 50,000), each one write transaction
/// with the projection triggers suspended and the incremental fold (a batch under 64 events
/// keeps the triggers). Rows are bound through the SQLite C API in 50-row INSERTs
/// (``LocalEventInserter``).
public struct TeamLogPull: Sendable {
    /// What a pull did.
    public struct Result: Sendable, Equatable {
        /// Server seq the pull started after.
        public var cursor: Int64
        /// Events appended to the local log.
        public var appended = 0
        /// Events the local log already had.
        public var skipped = 0
        /// The last server seq pulled.
        public var lastServerSeq: Int64
    }

    public var batchSize: Int

    /// Below this many events a batch keeps the local projection triggers live.
    static let bulkMinimumCount = 64

    /// Events read from the server per query by an incremental pull.
    static let pageSize = 10_000

    public init(batchSize: Int = 50_000) {
        self.batchSize = Swift.max(1, batchSize)
    }

    /// Pulls `log`'s events into `store`. `progress`, when given, is told the number of the
    /// server's events read so far (every 5,000 into an empty file, every batch otherwise).
    public func run(
        from log: TeamLogConnection, into store: SkillMetricsStore, progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> Result {
        do {
            return try await pull(from: log, into: store, progress: progress)
        } catch TeamLogError.conflict(let id) {
            // The inserter's conflict is with the local file, not the server (push's wording).
            throw TeamLogError.localConflict(id: id, path: store.path)
        } catch TeamLogError.badEvent(let seq, let id, let field, let value, let reason) where field != "seq" {
            // A row that breaks the event rules is one the local schema refuses: pull's wording.
            throw TeamLogError.refusedEvent(seq: seq, id: id ?? "", field: field, value: value, reason: reason)
        }
    }

    private func pull(
        from log: TeamLogConnection, into store: SkillMetricsStore, progress: (@Sendable (Int) -> Void)?
    ) async throws -> Result {
        let serverID = try await log.serverID()
        let cursor = try store.write { db -> Int64 in
            guard let row = try Row.fetchOne(db, sql: "SELECT last_server_seq FROM sync_pull WHERE server_id = ?", arguments: [serverID]) else {
                return 0
            }
            return try row.decode(Int64.self, atIndex: 0)
        }
        try await Self.requirePositiveSeqs(log)
        if cursor > 0 { try await Self.requireEventAtCursor(cursor, of: log, in: store) }
        var result = Result(cursor: cursor, lastServerSeq: cursor)
        let replicaWasEmpty = try store.read { db in
            try Row.fetchOne(db, sql: "SELECT 1 FROM skill_invocation LIMIT 1") == nil
        }
        if replicaWasEmpty {
            let (appended, last) = try await Self.clone(from: log, after: cursor, serverID: serverID, into: store, progress: progress)
            result.appended = appended
            result.lastServerSeq = last ?? cursor
            return result
        }
        var batch: [TeamLogEvent] = []
        batch.reserveCapacity(Swift.min(batchSize, 100_000))
        func flush() throws {
            guard let last = batch.last else { return }
            let projection: SkillMetricsStore.BulkProjection? = batch.count < Self.bulkMinimumCount ? nil : .incrementalFold
            let appended = try Self.append(
                batch, serverID: serverID, lastServerSeq: last.seq, projection: projection, to: store)
            result.appended += appended
            result.skipped += batch.count - appended
            result.lastServerSeq = last.seq
            batch.removeAll(keepingCapacity: true)
            progress?(result.appended + result.skipped)
        }
        // Pages of the log after the cursor, each read whole (TeamLogConnection.rows: a row
        // stream the server closes while a batch is written would stop the process). Writers
        // commit in seq order, so a page never skips a row an earlier one did not see.
        var after = cursor
        while true {
            let page = try await log.rows("""
                SELECT seq, \(unescaped: TeamLogEvent.contentColumns) FROM skill_invocation
                WHERE seq > \(after) ORDER BY seq LIMIT \(Self.pageSize)
                """, "reading the team log")
            for row in page {
                let event = try TeamLogEvent(server: row)
                // The clone's checks (its fold applies ServerEventRules), before any is written:
                // bound as they are, a NaN duration would be stored as NULL and a follow-up list
                // the fold refuses would be accepted by SQLite's json_valid.
                if let violation = ServerEventRules.violation(event) { throw violation }
                batch.append(event)
                after = event.seq
                if batch.count >= batchSize { try flush() }
            }
            if page.count < Self.pageSize { break }
        }
        try flush()
        return result
    }

    /// Throws ``TeamLogError/badEvent(seq:id:field:reason:)`` for the lowest seq below 1 (a
    /// row a superuser inserted with `OVERRIDING SYSTEM VALUE`): a pull reads the seqs after
    /// its cursor, from 0 on, and would skip it silently. One descent of the seq index.
    static func requirePositiveSeqs(_ log: TeamLogConnection) async throws(TeamLogError) {
        guard let first = try await log.rows(
            "SELECT seq, id FROM skill_invocation WHERE seq < 1 ORDER BY seq LIMIT 1", "reading the team log's seqs").first
        else { return }
        let row = ServerRow(first, "skill_invocation")
        throw .badEvent(seq: try row.value(0, Int64.self), id: try row.value(1, String.self), field: "seq", value: nil,
                        reason: "below 1 (the log's identity column starts at 1)")
    }

    /// Throws ``TeamLogError/diverged(url:path:reason:)`` unless the team log still holds, at
    /// server seq `cursor` (the last one this replica pulled), an event the replica holds with
    /// the same content. A server restored from an older backup (its seqs restarted), or
    /// another database at the same address with the same identity, would otherwise answer
    /// "pulled 0" or append events after a cursor that means something else there.
    private static func requireEventAtCursor(_ cursor: Int64, of log: TeamLogConnection, in store: SkillMetricsStore) async throws {
        let rows = try await log.rows(
            "SELECT seq, \(unescaped: TeamLogEvent.contentColumns) FROM skill_invocation WHERE seq = \(cursor)",
            "reading the event at the replica's cursor")
        let advice = "the team log is behind or different from this replica (restored from an older backup, or recreated); "
            + "pull into a new file to make a replica of the log as it is now"
        guard let row = rows.first else {
            let maximum = try await log.rows("SELECT coalesce(max(seq), 0)::bigint FROM skill_invocation", "reading the team log's seqs")
            let last = try maximum.first.map { try ServerRow($0, "skill_invocation").value(0, Int64.self) } ?? 0
            throw TeamLogError.diverged(
                url: log.url.redacted, path: store.path,
                reason: "this replica pulled the team log through server seq \(cursor), but the log holds no event at that seq "
                    + "(its highest is \(last)): \(advice)")
        }
        let server = try TeamLogEvent(server: row)
        let local = try store.read { db in
            try Row.fetchOne(db, sql: "SELECT 0, \(TeamLogEvent.contentColumns) FROM skill_invocation WHERE id = ?", arguments: [server.id])
                .map(TeamLogEvent.decode)
        }
        guard let local, local.sameContent(as: server) else {
            throw TeamLogError.diverged(
                url: log.url.redacted, path: store.path,
                reason: "the team log's event at server seq \(cursor), the last this replica pulled, is id "
                    + "\(TeamLogError.quoted(server.id)), which this replica \(local == nil ? "does not hold" : "holds with other content"): \(advice)")
        }
    }

    /// Pulls every event after server seq `cursor` into the empty `store` in one write
    /// transaction (see the type's documentation); returns the count appended and the last
    /// server seq. The events come in chunks of ``TeamLogProjections/chunkSize``, each one row
    /// of aggregates (``ServerArrayChunk``: no per-event row or `String`); the reading task
    /// folds them (local seqs 1, 2, … in server order) while the writer inserts them from the
    /// chunks' bytes, and hands the projections over when it is done
    /// (``SkillMetricsStore/appendInBulkToEmptyLog(insertGuards:distinctIDs:_:)``).
    private static func clone(
        from log: TeamLogConnection, after cursor: Int64, serverID: String, into store: SkillMetricsStore,
        progress: (@Sendable (Int) -> Void)?
    ) async throws -> (appended: Int, last: Int64?) {
        let channel = ChunkChannel<ServerArrayChunk>(capacity: 4)
        let folded = FoldedProjections()
        async let written = channel.consume { () throws -> (Int, Int64?) in
            var appended = 0
            var last: Int64?
            // The server's ids are distinct (its UNIQUE constraint): the id index is built once.
            try store.appendInBulkToEmptyLog(insertGuards: .checkedAfterwards, distinctIDs: true) { db -> ProjectionSet in
                let inserter = try LocalEventInserter(db)
                let previousLast = try SkillMetricsStore.maxSeq(db)
                while let chunks = try channel.next() {
                    for chunk in chunks where chunk.count > 0 {
                        appended += try inserter.appendCheckingWhereUnproven(chunk)
                        last = try chunk.lastInt8(0)
                    }
                }
                if let last { try Self.moveCursor(serverID: serverID, to: last, appendedAfter: previousLast, db) }
                guard let projections = folded.take() else {
                    throw TeamLogError.invalidRow("skill_invocation: the reading task finished without its fold")
                }
                return projections
            }
            return (appended, last)
        }
        do {
            var projections = ProjectionSet()
            var after = cursor
            var localSeq: Int64 = 0
            var read = 0
            var next = try await TeamLogProjections.eventChunk(log, .after(after), storedColumns: true)
            while next.count > 0 {
                let chunk = next
                let full = chunk.count == TeamLogProjections.chunkSize
                let lastSeq = try chunk.lastInt8(0)
                async let following = full
                    ? TeamLogProjections.eventChunk(log, .after(lastSeq), storedColumns: true) : ServerArrayChunk("skill_invocation")
                try TeamLogProjections.fold(chunk, after: &after, into: &projections, checkStoredColumns: false) { _ in
                    localSeq += 1
                    return localSeq
                }
                try await channel.send([chunk])
                read += chunk.count
                progress?(read)
                next = try await following
            }
            folded.put(projections)
            channel.finish()
        } catch is ChunkChannel<ServerArrayChunk>.Cancelled {
            // The writer failed: its error is the one to report (below).
        } catch {
            channel.finish(throwing: error)
        }
        return try await written
    }

    /// The projections the reading task of a clone folded, handed to the writer: put before
    /// the channel finishes, taken after the writer's last ``ChunkChannel/next()``.
    private final class FoldedProjections: Sendable {
        private let value = Mutex<ProjectionSet?>(nil)

        func put(_ projections: ProjectionSet) { value.withLock { $0 = projections } }

        func take() -> ProjectionSet? { value.withLock { $0.take() } }
    }

    /// Records `lastServerSeq` as the last server seq pulled from `serverID`, and the local seqs
    /// above `previousLastSeq` as pulled from it (``PulledEventRanges``).
    private static func moveCursor(serverID: String, to lastServerSeq: Int64, appendedAfter previousLastSeq: Int64, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO sync_pull (server_id, last_server_seq) VALUES (?, ?)
            ON CONFLICT (server_id) DO UPDATE SET last_server_seq = excluded.last_server_seq
            """, arguments: [serverID, lastServerSeq])
        try PulledEventRanges.record(serverID: serverID, appendedAfter: previousLastSeq, db)
    }

    /// Appends one batch and moves the cursor, in one write transaction (the projection
    /// triggers suspended and the batch folded as `projection` says, or live when nil); returns
    /// the count appended. An id already here with the same content is skipped.
    private static func append(
        _ events: [TeamLogEvent], serverID: String, lastServerSeq: Int64,
        projection: SkillMetricsStore.BulkProjection?, to store: SkillMetricsStore
    ) throws -> Int {
        func body(_ db: Database) throws -> Int {
            let previousLast = try SkillMetricsStore.maxSeq(db)
            let appended = try LocalEventInserter(db).appendCheckingWhereUnproven(events[...])
            try moveCursor(serverID: serverID, to: lastServerSeq, appendedAfter: previousLast, db)
            return appended
        }
        if let projection {
            return try store.appendInBulk(projection, insertGuards: .checkedAfterwards, body)
        }
        return try store.write(body)
    }
}
