import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// Batches folded incrementally run with the writer connection's triggers and CHECKs off and
/// may leave them off for the next batch (WriterBulkMode): no other write may ever run in
/// that mode, other connections never see it, and a schema with a trigger the mode does not
/// know keeps the triggers.
@Suite("Writer bulk mode")
struct WriterBulkModeTests {
    /// `count` events from `first` on: recurring sessions, several skills, paths, errors,
    /// follow-ups, some abandoned and some without a duration.
    static func events(_ first: Int, _ count: Int) -> [SkillInvocation] {
        (first..<(first + count)).map { n -> SkillInvocation in
            let microseconds: Int64 = 1_767_225_600_000_000 + Int64(n) * 30_000_000
            let path: String? = n % 5 == 0 ? nil : "path-\(n % 11)"
            let duration: Double? = n % 13 == 0 ? nil : Double(n % 17) * 0.25 + 0.1
            let error: String? = n % 9 == 0 ? "error-\(n % 3)" : nil
            let session: String? = n % 6 == 0 ? nil : "session-\(n / 20)"
            let actions: [String] = (0..<(n % 4)).map { "action-\(($0 + n) % 5)" }
            return SkillInvocation(
                id: "e\(n)", skillName: "skill-\(n % 7)",
                invokedAt: Timestamp(microsecondsSinceEpoch: microseconds), workflowPath: path,
                completed: n % 9 != 0, durationSeconds: duration, errorType: error, sessionID: session,
                followUpActions: actions)
        }
    }

    /// Whether the writer connection is in bulk mode right now.
    static func writerInBulkMode(_ store: SkillMetricsStore) throws -> Bool {
        // writeBatch keeps the mode, so it can look without changing it.
        try store.writeBatch { db in try WriterBulkMode.isOn(db) }
    }

    @Test("a batch leaves the mode on for the next batch, and every other write switches it off first")
    func otherWritesNeverRunInBulkMode() throws {
        let database = try TestDatabase()
        let store = database.store
        try store.append(Self.events(0, 200))
        #expect(try Self.writerInBulkMode(store))
        // The immutability triggers are live for a write that follows.
        #expect(throws: DatabaseError.self) {
            try store.write { db in try db.execute(sql: "UPDATE skill_invocation SET skill_name = 'x' WHERE seq = 1") }
        }
        #expect(try !Self.writerInBulkMode(store))
        try store.append(Self.events(200, 200))
        #expect(throws: DatabaseError.self) {
            try store.write { db in try db.execute(sql: "DELETE FROM skill_invocation WHERE seq = 2") }
        }
        // The CHECKs are live again too: a row with a malformed invoked_at is refused.
        try store.append(Self.events(400, 200))
        #expect(throws: DatabaseError.self) {
            try store.write { db in
                try db.execute(sql: """
                    INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, follow_up_actions, schema_version, finished)
                    VALUES ('bad', 's', 'yesterday', 1, '[]', 1, 1)
                    """)
            }
        }
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") } == 600)
        // A plain INSERT after a batch runs the projection trigger.
        try store.append(Self.events(600, 100))
        try store.write { db in
            try db.execute(sql: """
                INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed, duration_seconds, follow_up_actions, schema_version, finished)
                VALUES ('plain', 'skill-1', '2026-02-01T00:00:00.000000Z', 'path-1', 1, 9.5, '["action-1"]', 1, 1)
                """)
        }
        #expect(try store.verify().isConsistent)
        let total = try store.read { db in
            try Int.fetchOne(db, sql: "SELECT sum(total_invocations) FROM skill_totals")
        }
        #expect(total == 701)
    }

    @Test("batches, single appends and plain INSERTs interleaved give the projections a rebuild gives",
          arguments: [64, 100, 1_000])
    func interleavedWritesMatchARebuild(batch: Int) throws {
        let database = try TestDatabase()
        let store = database.store
        var next = 0
        for round in 0..<6 {
            try store.append(Self.events(next, batch))
            next += batch
            if round % 2 == 0 {
                for event in Self.events(next, 3) { try store.append(event) }
                next += 3
            } else {
                // A batch again (the mode is kept), then one below the incremental size.
                try store.append(Self.events(next, batch))
                next += batch
                try store.append(Self.events(next, 10))
                next += 10
            }
            // Ids already stored, with the same content: skipped inside a bulk batch.
            let repeated = try store.append(Self.events(next - batch, batch))
            #expect(repeated.appended == 0)
        }
        #expect(try store.verify().isConsistent)
        let before = try BulkProjectionLoadTests.storedProjections(store)
        _ = try store.rebuild()
        #expect(try BulkProjectionLoadTests.storedProjections(store) == before)
    }

    @Test("another connection's INSERT runs every trigger while this writer is in bulk mode")
    func otherConnectionsKeepTheirTriggers() throws {
        let database = try TestDatabase()
        let store = database.store
        try store.append(Self.events(0, 300))
        #expect(try Self.writerInBulkMode(store))
        let other = try DatabaseQueue(path: database.path)
        try other.write { db in
            try db.execute(sql: """
                INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed, duration_seconds, follow_up_actions, schema_version, finished)
                VALUES ('other', 'skill-2', '2026-03-01T00:00:00.000000Z', 'path-2', 1, 4.0, '[]', 1, 1)
                """)
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "UPDATE skill_invocation SET duration_seconds = 1 WHERE id = 'other'")
            }
        }
        try other.close()
        try store.append(Self.events(300, 300))
        #expect(try store.verify().isConsistent)
    }

    @Test("a schema with a trigger the mode does not know keeps its triggers: a user's audit trigger sees every event")
    func unknownTriggersKeepTheDDLSuspension() throws {
        let database = try TestDatabase()
        let store = database.store
        try store.write { db in
            #expect(try WriterBulkMode.isAvailable(db))
            try db.execute(sql: """
                CREATE TABLE my_audit (id TEXT);
                CREATE TRIGGER my_audit_insert AFTER INSERT ON skill_invocation BEGIN INSERT INTO my_audit VALUES (NEW.id); END;
                """)
            #expect(try !WriterBulkMode.isAvailable(db))
        }
        try store.append(Self.events(0, 500))
        #expect(try !Self.writerInBulkMode(store))
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM my_audit") } == 500)
        #expect(try store.verify().isConsistent)
    }

    @Test("a batch that fails in bulk mode writes nothing, and the next write runs with triggers")
    func aFailedBatchLeavesNothing() throws {
        let database = try TestDatabase()
        let store = database.store
        try store.append(Self.events(0, 200))
        var conflicting = Self.events(200, 200)
        conflicting[150] = SkillInvocation(id: "e5", skillName: "other", invokedAt: ts("2026-01-01T00:00:00Z"))
        #expect(throws: SkillMetricsError.self) { try store.append(conflicting) }
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") } == 200)
        #expect(throws: DatabaseError.self) {
            try store.write { db in try db.execute(sql: "DELETE FROM skill_invocation") }
        }
        #expect(try store.verify().isConsistent)
    }

    @Test("migrations and their undo after a batch run with the triggers on")
    func migrationsLeaveTheMode() throws {
        let database = try TestDatabase()
        let store = database.store
        try store.append(Self.events(0, 300))
        #expect(try Self.writerInBulkMode(store))
        #expect(try store.undoMigrations(to: 1).first == 14)
        #expect(try !Self.writerInBulkMode(store))
        try store.append(Self.events(300, 300))
        _ = try store.migrate()
        #expect(try store.verify().isConsistent)
        try store.append(Self.events(600, 300))
        #expect(try Self.writerInBulkMode(store))
        _ = try store.undoMigrations(to: 10)
        _ = try store.migrate()
        #expect(try store.verify().isConsistent)
        let rows = try SkillMetricsQueries(store: store).allMetrics()
        #expect(rows.count == 7 && rows.allSatisfy { $0.percentiles != nil })
        #expect(rows.reduce(0) { $0 + $1.totalInvocations } == 900)
    }
}
