import Foundation
import GRDB
import PostgresNIO
import SkillMetrics

/// `pull`: appends the team log's events, in the server's seq order, to a local database (a
/// replica of the whole team's log, on which every local command works).
///
/// Incremental and idempotent: the local table `sync_pull` keeps, per server, the last server
/// seq appended, written in the same transaction as the events; an id already in the local log
/// with the same content is skipped, with other content it is a conflict.
///
/// The events go in batches (default 50,000), each one write transaction with the projection
/// triggers suspended (``SkillMetricsStore/appendInBulk(_:_:)``): into an empty log the batch is
/// folded with the whole-log fold, later batches with the incremental fold (a batch under 64
/// events keeps the triggers). Rows are bound through the SQLite C API in 50-row INSERTs
/// (``LocalEventInserter``); when the replica was empty as the pull began, no id can be there
/// already and the per-id check is skipped.
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

    public init(batchSize: Int = 50_000) {
        self.batchSize = Swift.max(1, batchSize)
    }

    /// Pulls `log`'s events into `store`.
    public func run(from log: TeamLogConnection, into store: SkillMetricsStore) async throws -> Result {
        let identity = try await log.rows("SELECT server_id FROM team_log_identity", "reading the team log's id")
        guard let identityRow = identity.first else { throw TeamLogError.schema("team_log_identity is empty") }
        let serverID = try ServerRow(identityRow, "team_log_identity").value(0, UUID.self).uuidString.lowercased()
        let cursor = try store.write { db -> Int64 in
            guard let row = try Row.fetchOne(db, sql: "SELECT last_server_seq FROM sync_pull WHERE server_id = ?", arguments: [serverID]) else {
                return 0
            }
            return try row.decode(Int64.self, atIndex: 0)
        }
        var result = Result(cursor: cursor, lastServerSeq: cursor)
        let replicaWasEmpty = try store.read { db in
            try Row.fetchOne(db, sql: "SELECT 1 FROM skill_invocation LIMIT 1") == nil
        }
        var localIsEmpty = replicaWasEmpty
        var batch: [TeamLogEvent] = []
        batch.reserveCapacity(Swift.min(batchSize, 100_000))
        var flushTime = 0.0
        let t0 = Date()
        func flush() throws {
            guard let last = batch.last else { return }
            let f0 = Date(); defer { flushTime += Date().timeIntervalSince(f0); FileHandle.standardError.write("flush \(batch.count) \(Date().timeIntervalSince(f0))\n".data(using: .utf8)!) }
            let projection: SkillMetricsStore.BulkProjection? = batch.count < Self.bulkMinimumCount ? nil
                : localIsEmpty ? .wholeLogFold : .incrementalFold
            let appended = try Self.append(
                batch, serverID: serverID, lastServerSeq: last.seq, checkingExisting: !replicaWasEmpty,
                projection: projection, to: store)
            result.appended += appended
            result.skipped += batch.count - appended
            result.lastServerSeq = last.seq
            if appended > 0 { localIsEmpty = false }
            batch.removeAll(keepingCapacity: true)
        }
        try await log.stream(
            "SELECT seq, \(unescaped: TeamLogEvent.contentColumns) FROM skill_invocation WHERE seq > \(cursor) ORDER BY seq",
            "reading the team log"
        ) { row in
            batch.append(try TeamLogEvent(server: row))
            if batch.count >= batchSize { try flush() }
        }
        try flush()
        FileHandle.standardError.write("total \(Date().timeIntervalSince(t0)) flush \(flushTime)\n".data(using: .utf8)!)
        return result
    }

    /// Appends one batch and moves the cursor, in one write transaction (the projection
    /// triggers suspended and the batch folded as `projection` says, or live when nil); returns
    /// the count appended.
    private static func append(
        _ events: [TeamLogEvent], serverID: String, lastServerSeq: Int64, checkingExisting: Bool,
        projection: SkillMetricsStore.BulkProjection?, to store: SkillMetricsStore
    ) throws -> Int {
        func body(_ db: Database) throws -> Int {
            let appended = try LocalEventInserter(db).append(events[...], checkingExisting: checkingExisting)
            try db.execute(sql: """
                INSERT INTO sync_pull (server_id, last_server_seq) VALUES (?, ?)
                ON CONFLICT (server_id) DO UPDATE SET last_server_seq = excluded.last_server_seq
                """, arguments: [serverID, lastServerSeq])
            return appended
        }
        if let projection {
            return try store.appendInBulk(projection, body)
        }
        return try store.write(body)
    }
}
