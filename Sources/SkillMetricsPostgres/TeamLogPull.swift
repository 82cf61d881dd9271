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

    public init(batchSize: Int = 5_000) {
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
        var batch: [TeamLogEvent] = []
        batch.reserveCapacity(batchSize)
        func flush() throws {
            guard let last = batch.last else { return }
            let appended = try Self.append(batch, serverID: serverID, lastServerSeq: last.seq, to: store)
            result.appended += appended
            result.skipped += batch.count - appended
            result.lastServerSeq = last.seq
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
        return result
    }

    /// Appends one batch and moves the cursor, in one write transaction; returns the count appended.
    private static func append(_ events: [TeamLogEvent], serverID: String, lastServerSeq: Int64, to store: SkillMetricsStore) throws -> Int {
        try store.write { db in
            var appended = 0
            let existing = try db.cachedStatement(sql: "SELECT 0, \(TeamLogEvent.contentColumns) FROM skill_invocation WHERE id = ?")
            let insert = try db.cachedStatement(sql: """
                INSERT INTO skill_invocation (\(TeamLogEvent.contentColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for event in events {
                if let row = try Row.fetchOne(existing, arguments: [event.id]) {
                    let local = try TeamLogEvent.decode(row)
                    guard local.sameContent(as: event) else {
                        throw TeamLogError.conflict(id: event.id)
                    }
                    continue
                }
                try insert.execute(arguments: [
                    event.id, event.skillName, event.invokedAt, event.workflowPath, event.completed,
                    event.durationSeconds, event.errorType, event.sessionID, event.followUpActions,
                    event.schemaVersion, event.userContext, event.finished,
                ])
                appended += 1
            }
            try db.execute(sql: """
                INSERT INTO sync_pull (server_id, last_server_seq) VALUES (?, ?)
                ON CONFLICT (server_id) DO UPDATE SET last_server_seq = excluded.last_server_seq
                """, arguments: [serverID, lastServerSeq])
            return appended
        }
    }
}
