import Foundation
import GRDB

/// Tamper evidence for the log (`audit checkpoint`, `audit verify`): records checkpoints of
/// the SHA-256 hash chain (see ``AuditChain``) and checks the log against them.
public struct Auditor: Sendable {
    /// The store whose log is audited.
    public let store: SkillMetricsStore

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// Records a checkpoint of the hash chain through the last event and returns it.
    ///
    /// Runs in one IMMEDIATE transaction: hashes the events appended since the previous
    /// checkpoint, records their leaf hashes and the new chain digest. When no event was
    /// appended since, the latest checkpoint is returned with `isNew == false`. Fails when the
    /// log no longer reaches the latest checkpoint (run ``verify(expected:)``).
    public func checkpoint() throws -> AuditChainCheckpoint {
        try store.write { db in
            try Self.requireAuditTables(db)
            let lastSeq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM skill_invocation") ?? 0
            var chain = AuditChain.genesis
            var after: Int64 = 0
            var count = 0
            if let previous = try Self.checkpoints(db).last {
                // Checked before it is shown or built on: a digest an operator copies out of
                // the database, or chains from, must at least be one.
                guard let bytes = Hex.decode(previous.digest, byteCount: 32) else {
                    throw SkillMetricsError.invalidInput(
                        location: "audit_checkpoint seq \(previous.seq), field digest",
                        reason: "not 64 hex digits; run `skill-metrics audit verify`")
                }
                guard previous.seq >= 0, previous.eventCount >= 0, Int64(previous.eventCount) <= previous.seq else {
                    throw SkillMetricsError.invalidInput(
                        location: "audit_checkpoint seq \(previous.seq), field event_count",
                        reason: "\(previous.eventCount) events cannot end at seq \(previous.seq); run `skill-metrics audit verify`")
                }
                if previous.seq == lastSeq { return previous }
                if previous.seq > lastSeq {
                    throw SkillMetricsError.invalidInput(
                        location: "audit_checkpoint seq \(previous.seq)",
                        reason: "the log now ends at seq \(lastSeq); run `skill-metrics audit verify`")
                }
                chain = bytes
                after = previous.seq
                count = previous.eventCount
            }
            let insert = try db.cachedStatement(sql: "INSERT INTO audit_event_hash (seq, hash) VALUES (?, ?)")
            do {
                try AuditChain.forEachLeaf(db, after: after, through: lastSeq) { seq, leaf in
                    try insert.execute(arguments: [seq, Data(leaf)])
                    chain = AuditChain.link(chain, leaf)
                    count += 1
                }
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw SkillMetricsError.invalidInput(
                    location: "audit_event_hash",
                    reason: "holds hashes past the latest checkpoint (\(error.message ?? "constraint failed")); run `skill-metrics audit verify`")
            }
            try db.execute(
                sql: "INSERT INTO audit_checkpoint (seq, digest, event_count) VALUES (?, ?, ?)",
                arguments: [lastSeq, Hex.encode(chain), count])
            let createdAt = try String.fetchOne(
                db, sql: "SELECT created_at FROM audit_checkpoint WHERE seq = ?", arguments: [lastSeq]) ?? ""
            return AuditChainCheckpoint(
                seq: lastSeq, digest: Hex.encode(chain), eventCount: count, createdAt: createdAt, isNew: true)
        }
    }

    /// The recorded checkpoints in seq order.
    public func checkpoints() throws -> [AuditChainCheckpoint] {
        try store.read { db in
            guard try db.tableExists("audit_checkpoint") else { return [] }
            return try Self.checkpoints(db)
        }
    }

    /// Recomputes the hash chain and compares it with every recorded checkpoint, the recorded
    /// per-event hashes, and `expected` (a digest kept outside the database), on one snapshot.
    ///
    /// Detects an event changed, removed or inserted at or before a checkpoint even when the
    /// immutability triggers were dropped, and names the first seq that differs.
    public func verify(expected: (seq: Int64, digest: String)? = nil) throws -> AuditChainReport {
        try store.read { db in try Self.verify(db, expected: expected) }
    }

    static func verify(_ db: Database, expected: (seq: Int64, digest: String)? = nil) throws -> AuditChainReport {
        let recorded = try db.tableExists("audit_checkpoint") ? try checkpoints(db) : []
        let hasHashTable = try db.tableExists("audit_event_hash")
        var targets: [(seq: Int64, digest: String, external: Bool)] = recorded.map { ($0.seq, $0.digest, false) }
        if let expected { targets.append((expected.seq, expected.digest.lowercased(), true)) }
        targets.sort { $0.seq < $1.seq || ($0.seq == $1.seq && !$0.external && $1.external) }
        let lastSeq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM skill_invocation") ?? 0
        let through = targets.last?.seq ?? 0
        var problems: [AuditChainProblem] = []

        // Two ordered streams up to the last target: the log's leaves and the recorded ones.
        let events = try Row.fetchCursor(
            db, sql: AuditChain.selectSQL + " WHERE seq <= ? ORDER BY seq", arguments: [through])
        let stored: RowCursor? = hasHashTable
            ? try Row.fetchCursor(db, sql: "SELECT seq, hash FROM audit_event_hash WHERE seq <= ? ORDER BY seq", arguments: [through])
            : nil
        var buffer: [UInt8] = []
        func nextEvent() throws -> (Int64, [UInt8])? {
            guard let row = try events.next() else { return nil }
            return (try row.decode(Int64.self, atIndex: 0), try AuditChain.leaf(row, buffer: &buffer))
        }
        func nextStored() throws -> (Int64, [UInt8])? {
            guard let row = try stored?.next() else { return nil }
            let bytes = try row.withUnsafeData(atIndex: 1) { data in data.map { Array($0) } ?? [] }
            return (try row.decode(Int64.self, atIndex: 0), bytes)
        }
        var event = try nextEvent()
        var record = try nextStored()
        var logChain = AuditChain.genesis
        var storedChain = AuditChain.genesis
        var eventsChecked = 0
        var reportedEventProblem = false
        for target in targets {
            // Advance both streams through target.seq.
            while true {
                let eventSeq = event.map(\.0).flatMap { $0 <= target.seq ? $0 : nil }
                let storedSeq = record.map(\.0).flatMap { $0 <= target.seq ? $0 : nil }
                if eventSeq == nil && storedSeq == nil { break }
                if let eventSeq, let storedSeq, eventSeq == storedSeq, let e = event, let r = record {
                    if e.1 != r.1 { problems.append(.eventChanged(seq: eventSeq)); reportedEventProblem = true }
                    logChain = AuditChain.link(logChain, e.1)
                    storedChain = AuditChain.link(storedChain, r.1)
                    eventsChecked += 1
                    event = try nextEvent()
                    record = try nextStored()
                } else if let eventSeq, storedSeq == nil || eventSeq < (storedSeq ?? .max), let e = event {
                    if recorded.contains(where: { $0.seq >= eventSeq }) {
                        problems.append(.eventInserted(seq: eventSeq))
                        reportedEventProblem = true
                    }
                    logChain = AuditChain.link(logChain, e.1)
                    eventsChecked += 1
                    event = try nextEvent()
                } else if let storedSeq, let r = record {
                    problems.append(.eventRemoved(seq: storedSeq))
                    reportedEventProblem = true
                    storedChain = AuditChain.link(storedChain, r.1)
                    record = try nextStored()
                } else {
                    break
                }
            }
            let logDigest = Hex.encode(logChain)
            if target.external {
                if logDigest != target.digest {
                    problems.append(.expectedDigestMismatch(seq: target.seq, expected: target.digest, recomputed: logDigest))
                }
                continue
            }
            if target.seq > lastSeq {
                problems.append(.checkpointBeyondLog(seq: target.seq, lastSeq: lastSeq))
            }
            if Hex.encode(storedChain) != target.digest {
                problems.append(.checkpointTableAltered(
                    seq: target.seq, reason: "its digest does not follow from the recorded per-event hashes"))
            } else if logDigest != target.digest && !reportedEventProblem {
                problems.append(.logDigestMismatch(seq: target.seq, recorded: target.digest, recomputed: logDigest))
            }
        }
        // Keep the first finding per seq, in seq order.
        var seen = Set<String>()
        problems = problems.filter { seen.insert("\($0.kind) \($0.seq)").inserted }
            .enumerated().sorted { ($0.element.seq, $0.offset) < ($1.element.seq, $1.offset) }.map(\.element)
        return AuditChainReport(
            checkpoints: targets.count, coveredThrough: through, eventsChecked: eventsChecked, problems: problems)
    }

    static func checkpoints(_ db: Database) throws -> [AuditChainCheckpoint] {
        try Row.fetchAll(db, sql: """
            SELECT seq, CAST(digest AS TEXT), event_count, CAST(created_at AS TEXT) FROM audit_checkpoint ORDER BY seq
            """).map { row in
            AuditChainCheckpoint(
                seq: try row.decode(Int64.self, atIndex: 0),
                digest: try row.decode(String?.self, atIndex: 1) ?? "",
                eventCount: try row.decode(Int?.self, atIndex: 2) ?? 0,
                createdAt: try row.decode(String?.self, atIndex: 3) ?? "", isNew: false)
        }
    }

    static func requireAuditTables(_ db: Database) throws {
        guard try db.tableExists("audit_checkpoint"), try db.tableExists("audit_event_hash") else {
            throw SkillMetricsError.invalidInput(
                location: "schema", reason: "the audit tables (migration V4) are missing; run `skill-metrics migrate`")
        }
    }
}
