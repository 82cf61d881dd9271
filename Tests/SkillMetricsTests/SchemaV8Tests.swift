import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// Schema V8 (issue 9): one projection trigger on `skill_invocation` (V7's percentile steps
/// merged into it, the duration count/min/max in the scalar UPSERT) and a one-statement
/// percentile seek. Every projection row and every percentile cache column is bit for bit
/// V7's, through the triggers, the incremental Swift fold, a rebuild and a foreign client's
/// plain INSERTs; `migrate undo --to 7` gives back exactly V7's schema.
@Suite("Schema V8")
struct SchemaV8Tests {
    /// `skill_totals` with every column, the percentile cache included (V8 keeps it as V7 does).
    static func totals(_ store: SkillMetricsStore) throws -> [String] {
        try store.read { db in try rendered(db, "SELECT * FROM skill_totals ORDER BY skill_name") }
    }

    /// The rows `sql` selects, each column rendered exactly (doubles by bit pattern).
    static func rendered(_ db: Database, _ sql: String) throws -> [String] {
        try Row.fetchAll(db, sql: sql).map { row in
            row.map { column, value -> String in
                if case .double(let double) = value.storage { return "\(column)=d\(double.bitPattern)" }
                return "\(column)=\(value)"
            }.joined(separator: "|")
        }
    }

    /// Appends `events` as a foreign client would: one plain `INSERT` per event, in one transaction.
    static func insertPlain(_ store: SkillMetricsStore, _ events: ArraySlice<SkillInvocation>) throws {
        try store.write { db in try insertPlain(events, db) }
    }

    /// One plain `INSERT` per event on `db` (no seq bound), in the caller's transaction.
    static func insertPlain(_ events: some Sequence<SkillInvocation>, _ db: Database) throws {
        for event in events {
            try db.execute(sql: EventLog.insertSQL, arguments: [
                event.id, event.skillName, event.invokedAt.canonical, event.workflowPath,
                event.completed ? 1 : 0, event.durationSeconds, event.errorType, event.sessionID,
                EventLog.actionsJSON(event.followUpActions), event.schemaVersion,
                event.userContext.map { JSONWriter(style: .compact).string(.object($0)) },
                event.finished ? 1 : 0,
            ])
        }
    }

    @Test("a trigger-made V7 log migrates to V8; V8's triggers give V7's rows and caches bit for bit; undo gives V7's schema",
          arguments: ["real", "adversarial"])
    func migrateFromV7AndUndo(shape: String) throws {
        let directory = TemporaryDirectory()
        let events = try SchemaV5Tests.events(shape, 2_400, seed: 29)
        let store = try SchemaV5Tests.unmigratedStore(directory)
        try store.migrate(upTo: 7)
        let reference = try SchemaV5Tests.unmigratedStore(directory, "v7.db")
        try reference.migrate(upTo: 7)
        for target in [store, reference] { try SchemaV7Tests.append(target, events[..<1_000], batch: 50) }
        let v7Rows = try SchemaV5Tests.projections(store)
        let v7Totals = try Self.totals(store)

        #expect(try store.migrate(upTo: 8) == [8])
        #expect(try SchemaV5Tests.projections(store) == v7Rows)
        #expect(try Self.totals(store) == v7Totals)
        for target in [store, reference] { try SchemaV7Tests.feed(target, events, from: 1_000) }
        #expect(try SchemaV5Tests.projections(store) == SchemaV5Tests.projections(reference))
        #expect(try Self.totals(store) == Self.totals(reference))
        let verified = try store.verify()
        #expect(verified.events == 2_400)
        #expect(verified.differences.isEmpty, "\(verified.differences.prefix(3))")

        #expect(try store.undoMigrations(to: 7) == [8])
        let fresh = try SchemaV5Tests.unmigratedStore(directory, "fresh.db")
        try fresh.migrate(upTo: 7)
        #expect(try SchemaV5Tests.schema(store) == SchemaV5Tests.schema(fresh))
        let undone = try store.verify()
        #expect(undone.differences.isEmpty, "\(undone.differences.prefix(3))")
    }

    @Test("a foreign client's plain INSERTs and a rebuild: V8 keeps V7's rows and caches", arguments: ["real", "adversarial"])
    func plainInsertsAndRebuild(shape: String) throws {
        let directory = TemporaryDirectory()
        let events = try SchemaV5Tests.events(shape, 1_500, seed: 31)
        let store = try SchemaV5Tests.unmigratedStore(directory)
        #expect(try store.migrate(upTo: 8).last == 8)
        let reference = try SchemaV5Tests.unmigratedStore(directory, "v7.db")
        try reference.migrate(upTo: 7)
        for target in [store, reference] {
            try Self.insertPlain(target, events[..<700])
            _ = try target.rebuild()
            try Self.insertPlain(target, events[700...])
        }
        #expect(try SchemaV5Tests.projections(store) == SchemaV5Tests.projections(reference))
        #expect(try Self.totals(store) == Self.totals(reference))
        let verified = try store.verify()
        #expect(verified.events == 1_500)
        #expect(verified.differences.isEmpty, "\(verified.differences.prefix(3))")
        // One projection trigger on skill_invocation, found by the name the bulk paths and the
        // benchmark use.
        let projectionTriggers = try store.read { db in
            try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master
                WHERE type = 'trigger' AND tbl_name = 'skill_invocation' AND name LIKE '%project%' ORDER BY name
                """)
        }
        #expect(projectionTriggers == ["skill_invocation_project"])
    }
}
