import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// Schema V9 (issue 9): the event id's uniqueness as a named index, `idx_skill_invocation_id`,
/// so that a load into an empty log with distinct ids builds it by one sort at the end. The
/// migration rebuilds `skill_invocation` keeping every event, seq and the AUTOINCREMENT
/// counter; the constraint still refuses a repeated id; `migrate undo --to 8` gives back
/// exactly V8's schema.
@Suite("Schema V9")
struct SchemaV9Tests {
    /// Every column of every event (doubles by bit pattern), in seq order.
    static func events(_ store: SkillMetricsStore) throws -> [String] {
        try store.read { db in try SchemaV8Tests.rendered(db, "SELECT * FROM skill_invocation ORDER BY seq") }
    }

    /// The AUTOINCREMENT counter of the event table (nil: no row in `sqlite_sequence`).
    static func sequence(_ store: SkillMetricsStore) throws -> Int64? {
        try store.read { db in
            try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'skill_invocation'")
        }
    }

    @Test("a V8 log migrates to V9 with every event, seq and counter; ids stay unique; undo gives V8's schema",
          arguments: ["real", "adversarial"])
    func migrateFromV8AndUndo(shape: String) throws {
        let directory = TemporaryDirectory()
        let events = try SchemaV5Tests.events(shape, 2_400, seed: 37)
        let store = try SchemaV5Tests.unmigratedStore(directory)
        try store.migrate(upTo: 8)
        try SchemaV7Tests.append(store, events[..<1_000], batch: 50)
        let v8Events = try Self.events(store)
        let v8Sequence = try Self.sequence(store)
        let v8Rows = try SchemaV5Tests.projections(store)
        let v8Totals = try SchemaV8Tests.totals(store)

        #expect(try store.migrate(upTo: 9) == [9])
        #expect(try Self.events(store) == v8Events)
        #expect(try Self.sequence(store) == v8Sequence)
        #expect(try SchemaV5Tests.projections(store) == v8Rows)
        #expect(try SchemaV8Tests.totals(store) == v8Totals)
        let indexes = try store.read { db in
            try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'skill_invocation' ORDER BY name
                """)
        }
        #expect(indexes == [
            "idx_skill_invocation_durations", "idx_skill_invocation_id", "idx_skill_invocation_invoked_at",
            "idx_skill_invocation_skill_time",
        ])
        try store.read { db in try SchemaConformance(runner: store.migrationRunner).check(db, path: store.path) }

        // The triggers, the Swift fold and a repeated id behave as on V8.
        let reference = try SchemaV5Tests.unmigratedStore(directory, "v8.db")
        try reference.migrate(upTo: 8)
        try SchemaV7Tests.append(reference, events[..<1_000], batch: 50)
        for target in [store, reference] { try SchemaV7Tests.feed(target, events, from: 1_000) }
        #expect(try SchemaV5Tests.projections(store) == SchemaV5Tests.projections(reference))
        #expect(try SchemaV8Tests.totals(store) == SchemaV8Tests.totals(reference))
        #expect(try store.append(events[5]).alreadyPresent == 1)
        var changed = events[5]
        changed.skillName += "-changed"
        #expect(throws: SkillMetricsError.self) { try store.append(changed) }
        #expect(throws: DatabaseError.self) {
            try SchemaV8Tests.insertPlain(store, [events[7]])
        }
        let verified = try store.verify()
        #expect(verified.events == 2_400)
        #expect(verified.differences.isEmpty, "\(verified.differences.prefix(3))")

        let beforeUndo = try Self.events(store)
        let sequenceBeforeUndo = try Self.sequence(store)
        #expect(try store.undoMigrations(to: 8) == [9])
        let fresh = try SchemaV5Tests.unmigratedStore(directory, "fresh.db")
        try fresh.migrate(upTo: 8)
        #expect(try SchemaV5Tests.schema(store) == SchemaV5Tests.schema(fresh))
        #expect(try Self.events(store) == beforeUndo)
        #expect(try Self.sequence(store) == sequenceBeforeUndo)
        let undone = try store.verify()
        #expect(undone.differences.isEmpty, "\(undone.differences.prefix(3))")
    }

    @Test("an empty V8 log migrates to V9 and back with no counter row, as a fresh one has")
    func emptyLogMigratesAndUndoes() throws {
        let directory = TemporaryDirectory()
        let store = try SchemaV5Tests.unmigratedStore(directory)
        try store.migrate(upTo: 8)
        #expect(try store.migrate(upTo: 9) == [9])
        #expect(try Self.sequence(store) == nil)
        #expect(try store.undoMigrations(to: 8) == [9])
        #expect(try Self.sequence(store) == nil)
        let fresh = try SchemaV5Tests.unmigratedStore(directory, "fresh.db")
        try fresh.migrate(upTo: 8)
        #expect(try SchemaV5Tests.schema(store) == SchemaV5Tests.schema(fresh))
    }

    @Test("a load into an empty log whose ids repeat after all names the id and changes nothing")
    func loadWithRepeatedIDsNamesIt() throws {
        let database = try TestDatabase()
        let store = database.store
        let schemaBefore = try SchemaV5Tests.schema(store)
        let events = try SchemaV5Tests.events("real", 300, seed: 41)
        var repeated = Array(events[..<200])
        repeated[150].id = repeated[60].id
        #expect(throws: SkillMetricsError.invalidEvent(
            id: repeated[60].id, field: "id", reason: "appears more than once in a load into an empty log")) {
            try store.appendInBulkToEmptyLog(insertGuards: .checkedAfterwards, distinctIDs: true) { db in
                try SchemaV8Tests.insertPlain(repeated, db)
                return ProjectionSet()
            }
        }
        #expect(try SkillMetricsQueries(store: store).eventCount() == 0)
        #expect(try SchemaV5Tests.schema(store) == schemaBefore)

        // Distinct ids: the same path gives what per-event appends give.
        try store.appendInBulkToEmptyLog(insertGuards: .checkedAfterwards, distinctIDs: true) { db in
            try SchemaV8Tests.insertPlain(events[..<200], db)
            return ProjectionSet()
        }
        #expect(try SchemaV5Tests.schema(store) == schemaBefore)
        let reference = try TestDatabase()
        try SchemaV7Tests.append(reference.store, events[..<200], batch: 1)
        #expect(try SchemaV5Tests.projections(store) == SchemaV5Tests.projections(reference.store))
        #expect(try store.append(events[10]).alreadyPresent == 1)
        let verified = try store.verify()
        #expect(verified.events == 200)
        #expect(verified.differences.isEmpty, "\(verified.differences.prefix(3))")
    }
}
