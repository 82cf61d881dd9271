import Foundation
import GRDB
import PostgresNIO
import SkillMetrics

/// `push`: sends the local events the team log lacks, in local seq order, in batches.
///
/// The cursor is the server's own `max(source_seq)` for this database's source id, read at
/// the start, so a push killed at any point and run again sends the rest and never twice.
/// Events that pulls from this same log appended (``PulledEventRanges``) are not sent.
/// Each batch is one transaction under the writers' lock: ids already on the server with the
/// same content are skipped; an id there with other content is a conflict that writes nothing
/// of the batch. A batch goes in one `COPY … FROM STDIN`, its rows encoded while the server
/// takes the batch before.
///
/// A batch is first copied as it is, in one statement (its own transaction, the lock taken by
/// the log's trigger), without looking its ids up: the `id` and `(source_id, source_seq)`
/// unique indexes refuse it whole (unique violation, SQLSTATE 23505) when one of its ids is
/// already there. That batch is then sent again the careful way — in a transaction under the
/// lock, the ids looked up first, duplicates skipped, a conflict named, the rest copied. While
/// batches hold duplicates (a replica pushing the team's events back) the next batch goes the
/// careful way too; after a batch without any, straight in again. (The server logs each refused
/// COPY as an ERROR.)
public struct TeamLogPush: Sendable {
    /// What a push did.
    public struct Result: Sendable, Equatable {
        public var sourceID: UUID
        /// Local seq the push started after (the server's cursor for this source).
        public var cursor: Int64
        /// Events written to the server.
        public var pushed = 0
        /// Events already on the server with the same content.
        public var skipped = 0
        /// Events after the cursor that pulls from this team log appended (``PulledEventRanges``):
        /// not sent, they came from it.
        public var pulledFromLog = 0
        /// This database pulled from some team log, but the role may not read this log's id
        /// (`team_log_identity`; grants before schema V14), so pulled events were not left out:
        /// they were looked up and skipped (counted in ``skipped``).
        public var pulledRangesUnreadable = false
        public var batches = 0
    }

    public var batchSize: Int

    /// The default events per batch: the projection trigger's per-batch work (per skill, per
    /// key) spread over more events; beyond this the transition table and the trigger's hash
    /// joins outgrow `work_mem` (see docs/scale-out.md).
    public static let defaultBatchSize = 20_000

    /// `work_mem` for the push's session: the transition table of a default-size batch
    /// (~7 MB) and the trigger's sorts and hashes stay in memory.
    static let batchWorkMemory = "64MB"

    public init(batchSize: Int = TeamLogPush.defaultBatchSize) {
        self.batchSize = Swift.max(1, batchSize)
    }

    /// Pushes `store`'s events to `log`.
    public func run(from store: SkillMetricsStore, to log: TeamLogConnection, progress: (@Sendable (Result) -> Void)? = nil) async throws -> Result {
        try await Self.requireWritableEventTable(log)
        let sourceID = try LocalSourceIdentity.sourceID(of: store)
        let cursorRows = try await log.rows(
            "SELECT coalesce(max(source_seq), 0)::bigint FROM skill_invocation WHERE source_id = \(sourceID)",
            "reading the push cursor")
        guard let cursorRow = cursorRows.first else { throw TeamLogError.invalidRow("push cursor: no row") }
        let cursor = try ServerRow(cursorRow, "push cursor").value(0, Int64.self)
        let localLast = try store.read { db in try SkillMetricsStore.maxSeq(db) }
        guard cursor <= localLast else {
            // Resuming "after local seq 1000" of a log that ends at 50 would push nothing and
            // say so with exit 0, while the server holds events under this source that this
            // file never had.
            throw TeamLogError.diverged(
                url: log.url.redacted, path: store.path,
                reason: "the team log holds events of this database's source \(sourceID.uuidString.lowercased()) up to local "
                    + "seq \(cursor), but the local log ends at seq \(localLast) (rows inserted on the server under this source "
                    + "id, or this file restored from an older copy); push resumes after the server's highest seq for the source, "
                    + "so it would skip local events")
        }
        let readable = try await Self.pulledRanges(of: store, on: log)
        // Unreadable ranges leave nothing out: those events go the careful way.
        let pulled = readable ?? PulledEventRanges([])
        var result = Result(sourceID: sourceID, cursor: cursor)
        result.pulledFromLog = pulled.count(after: cursor, through: localLast)
        result.pulledRangesUnreadable = readable == nil
        // For this connection's session: the transition table of a batch and the trigger's
        // sorts and hashes stay in memory.
        try await log.execute(
            PostgresQuery(unsafeSQL: "SET work_mem = '\(Self.batchWorkMemory)'"), "setting work_mem for the push")
        let batchSize = self.batchSize
        // The next `batchSize` local events after seq `after`, past the ranges pulled from this log.
        @Sendable func prepare(after: Int64) throws -> PreparedBatch {
            let events = try store.read { db in
                var events: [TeamLogEvent] = []
                var position = after
                // A local seq of Int64.max (an edited file) has no seq after it to read.
                while events.count < batchSize, position < Int64.max {
                    let (from, before) = pulled.span(after: position)
                    let wanted = batchSize - events.count
                    let part = try TeamLogEvent.local(db, from: from, before: before, limit: wanted)
                    events.append(contentsOf: part)
                    // Short of `wanted` before a pulled range: go on after it.
                    guard part.count < wanted, let before else { break }
                    position = before - 1
                }
                return events
            }
            return PreparedBatch(events: events, rows: TeamLogCopyRows.encode(events, source: sourceID))
        }
        var batch = try prepare(after: cursor)
        var careful = false
        while let last = batch.events.last {
            // The next local batch is read and its rows encoded while the server takes this one.
            async let following = prepare(after: last.seq)
            let current = batch.events
            let written: Int
            if !careful, let direct = try await insertDirectly(batch, on: log) {
                written = direct
            } else {
                written = try await log.transaction("pushing a batch") { () async throws -> Int in
                    try await log.lockWriters()
                    let fresh = try await freshEvents(of: current, on: log)
                    // Under the lock, with every id of `fresh` absent, the unique indexes refuse
                    // nothing unless the server changed under the lock's rules (reported as such).
                    if !fresh.isEmpty, try await !copy(TeamLogCopyRows.encode(fresh, source: sourceID), on: log) {
                        throw TeamLogError.server(
                            operation: "pushing a batch",
                            reason: "a unique index refused events whose ids were not on the server")
                    }
                    return fresh.count
                }
            }
            careful = written < current.count
            result.pushed += written
            result.skipped += current.count - written
            result.batches += 1
            progress?(result)
            batch = try await following
        }
        return result
    }

    /// The local ranges pulled from `log`: none when this database never pulled; nil when it
    /// did but the role may not read `team_log_identity` (a push role granted before schema
    /// V14), whose pushes then look pulled events up and skip them as before.
    static func pulledRanges(of store: SkillMetricsStore, on log: TeamLogConnection) async throws -> PulledEventRanges? {
        guard try store.read({ db in try PulledEventRanges.anyRecorded(db) }) else { return PulledEventRanges([]) }
        let privilege = try await log.rows(
            "SELECT has_table_privilege('team_log_identity', 'SELECT')", "checking the right to read the team log's id")
        guard let first = privilege.first, try ServerRow(first, "team log privilege").value(0, Bool.self) else {
            return nil
        }
        let serverID = try await log.serverID()
        return try store.read { db in try PulledEventRanges.load(serverID: serverID, db) }
    }

    /// The triggers every team log's `skill_invocation` carries from V1 on: the writers' lock,
    /// the projection and the refusals of UPDATE, DELETE and TRUNCATE.
    static let requiredTriggers = [
        "skill_invocation_serialise_writers", "skill_invocation_project", "skill_invocation_no_update",
        "skill_invocation_no_delete", "skill_invocation_no_truncate",
    ]

    /// The statement check V3 adds (required when the log has V3's `sm_check_events()`).
    static let checkTrigger = "skill_invocation_check"

    /// Throws ``TeamLogError/notWritable(url:reason:)`` unless `skill_invocation` is an ordinary
    /// table (`pg_class.relkind` 'r') carrying every trigger the log relies on, none of them
    /// disabled (`pg_trigger.tgenabled` 'D'). A COPY into a view fails on the server, and
    /// postgres-nio 1.33 then stops the process (a precondition in its copy writer) instead of
    /// throwing; a table without its triggers would take events without projecting,
    /// checking or serialising them. Read from the catalogs, which every role may read.
    static func requireWritableEventTable(_ log: TeamLogConnection) async throws(TeamLogError) {
        let rows = try await log.rows("""
            SELECT c.relkind::text,
                   coalesce((SELECT string_agg(t.tgname || '=' || t.tgenabled::text, ',') FROM pg_trigger t
                             WHERE t.tgrelid = c.oid AND NOT t.tgisinternal), ''),
                   to_regprocedure('sm_check_events()') IS NOT NULL
            FROM pg_class c WHERE c.oid = to_regclass('skill_invocation')
            """, "checking the team log's event table")
        guard let first = rows.first else {
            throw .notWritable(url: log.url.redacted, reason: "it has no skill_invocation table")
        }
        let row = ServerRow(first, "skill_invocation's catalog row")
        let kind = try row.value(0, String.self)
        guard kind == "r" else {
            let names = ["v": "a view", "m": "a materialized view", "p": "a partitioned table", "f": "a foreign table"]
            throw .notWritable(
                url: log.url.redacted,
                reason: "skill_invocation is \(names[kind] ?? "a relation of kind '\(kind)'"), not an ordinary table")
        }
        var enabled: [String: Bool] = [:]
        for entry in try row.value(1, String.self).split(separator: ",") {
            guard let sign = entry.lastIndex(of: "=") else { continue }
            enabled[String(entry[..<sign])] = entry[entry.index(after: sign)...] != "D"
        }
        var required = Self.requiredTriggers
        if try row.value(2, Bool.self) { required.append(Self.checkTrigger) }
        let missing = required.filter { enabled[$0] == nil }
        let disabled = required.filter { enabled[$0] == false }
        var problems: [String] = []
        if !missing.isEmpty { problems.append("skill_invocation has no trigger \(missing.joined(separator: ", "))") }
        if !disabled.isEmpty { problems.append("skill_invocation's trigger \(disabled.joined(separator: ", ")) is disabled") }
        guard problems.isEmpty else { throw .notWritable(url: log.url.redacted, reason: problems.joined(separator: "; ")) }
    }

    /// Copies the whole batch in one `COPY … FROM STDIN` statement (its own transaction; the
    /// log's trigger takes the writers' lock) without looking its ids up first. Returns its size,
    /// or nil (nothing written) when a unique index refused it: an id, or this source's seq, is
    /// already on the server.
    ///
    /// When the session has a `lock_timeout` (``TeamLogTimeouts``), the batch goes in a
    /// transaction that takes the writers' lock first, without a limit
    /// (``TeamLogConnection/lockWriters()``), so that the COPY's wait for the writers' lock is
    /// never cut short while its other lock waits (a `LOCK TABLE` another session holds) are.
    private func insertDirectly(_ batch: PreparedBatch, on log: TeamLogConnection) async throws -> Int? {
        guard log.timeouts.lock != nil else { return try await copy(batch.rows, on: log) ? batch.events.count : nil }
        // A COPY refused by a unique index leaves the transaction aborted: its COMMIT rolls back.
        return try await log.transaction("pushing a batch") { () async throws -> Int? in
            try await log.lockWriters()
            return try await copy(batch.rows, on: log) ? batch.events.count : nil
        }
    }

    /// One `COPY skill_invocation (…) FROM STDIN` of `rows` (``TeamLogCopyRows``), in their order
    /// (so server seqs follow local seqs). False, nothing written, when a unique index refused a
    /// row.
    private func copy(_ rows: ByteBuffer, on log: TeamLogConnection) async throws(TeamLogError) -> Bool {
        try await log.copyUnlessUniqueViolation(into: "skill_invocation", columns: TeamLogCopyRows.columns, rows, "copying events")
    }

    /// The events of `batch` whose ids are not on the server; throws a conflict for an id there
    /// with other content.
    private func freshEvents(of batch: [TeamLogEvent], on log: TeamLogConnection) async throws(TeamLogError) -> [TeamLogEvent] {
        let ids = batch.map(\.id)
        let rows = try await log.rows(
            "SELECT seq, \(unescaped: TeamLogEvent.contentColumns) FROM skill_invocation WHERE id = ANY(\(ids)::text[])",
            "checking ids already on the server")
        guard !rows.isEmpty else { return batch }
        var existing: [String: TeamLogEvent] = [:]
        for row in rows {
            let event = try TeamLogEvent(server: row)
            existing[event.id] = event
        }
        var fresh: [TeamLogEvent] = []
        for event in batch {
            if let stored = existing[event.id] {
                guard stored.sameContent(as: event) else { throw .conflict(id: event.id) }
            } else {
                fresh.append(event)
            }
        }
        return fresh
    }

    /// A local batch and its rows in COPY's text format.
    private struct PreparedBatch: Sendable {
        var events: [TeamLogEvent]
        var rows: ByteBuffer
    }
}
