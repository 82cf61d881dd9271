import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// Schema V12 (issue 9, the foreign-client bar): `skill_key_count`'s field CHECK is three
/// comparisons instead of an IN list (which SQLite runs as a probe of an ephemeral index built
/// once per trigger run). The table is rebuilt with every row unchanged; the triggers and the
/// fold carry on exactly as on V11; the CHECK still refuses any other field; undo gives back
/// V11's schema and the same rows.
@Suite("Schema V12")
struct SchemaV12Tests {
    @Test("a trigger-made V11 log migrates to V12 with every row unchanged; triggers and fold then agree with V11; undo gives V11's schema",
          arguments: ["real", "adversarial"])
    func migrateFromV11AndUndo(shape: String) throws {
        let directory = TemporaryDirectory()
        let events = try SchemaV5Tests.events(shape, 2_400, seed: 67)
        let store = try SchemaV5Tests.unmigratedStore(directory)
        try store.migrate(upTo: 11)
        let reference = try SchemaV5Tests.unmigratedStore(directory, "v11.db")
        try reference.migrate(upTo: 11)
        for target in [store, reference] { try SchemaV7Tests.append(target, events[..<1_000], batch: 50) }
        let v11Rows = try SchemaV11Tests.projections(store)
        let keyRows = try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_key_count") ?? 0 }
        #expect(keyRows > 50)

        #expect(try store.migrate() == [12, 13, 14])
        #expect(try SchemaV11Tests.projections(store) == v11Rows)
        try store.read { db in try SchemaConformance(runner: store.migrationRunner).check(db, path: store.path) }
        let check = try store.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'skill_key_count'") ?? ""
        }
        #expect(!check.contains(" IN ("))
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_temp_master") } == 0)

        // Triggers, the Swift fold (a batch of 200) and triggers again, on both.
        for target in [store, reference] { try SchemaV7Tests.feed(target, events, from: 1_000) }
        #expect(try SchemaV11Tests.projections(store) == SchemaV11Tests.projections(reference))
        #expect(try SchemaV10Tests.totals(store) == SchemaV10Tests.totals(reference))
        let verified = try store.verify()
        #expect(verified.events == 2_400)
        #expect(verified.differences.isEmpty, "\(verified.differences.prefix(3))")

        #expect(try store.undoMigrations(to: 11) == [14, 13, 12])
        let fresh = try SchemaV5Tests.unmigratedStore(directory, "fresh.db")
        try fresh.migrate(upTo: 11)
        #expect(try SchemaV5Tests.schema(store) == SchemaV5Tests.schema(fresh))
        #expect(try SchemaV11Tests.projections(store) == SchemaV11Tests.projections(reference))
        #expect(try store.verify().differences.isEmpty)
    }

    @Test("the rewritten CHECK refuses every field but the three, as V5's did", arguments: [11, 12])
    func theCheckStillRefusesOtherFields(version: Int) throws {
        let directory = TemporaryDirectory()
        let store = try SchemaV5Tests.unmigratedStore(directory)
        try store.migrate(upTo: version)
        for field in ["common_errors", "follow_up_actions", "workflow_paths"] {
            try store.write { db in
                try db.execute(sql: "INSERT INTO skill_key_count VALUES ('s', ?, 'k', 1, 1, 0)", arguments: [field])
            }
        }
        for field in ["Common_errors", "bogus", "", "common_errors "] {
            #expect(throws: (any Error).self, "field \(field)") {
                try store.write { db in
                    try db.execute(sql: "INSERT INTO skill_key_count VALUES ('s', ?, 'k2', 1, 1, 0)", arguments: [field])
                }
            }
        }
        #expect(throws: (any Error).self) {
            try store.write { db in try db.execute(sql: "INSERT INTO skill_key_count VALUES ('s', NULL, 'k3', 1, 1, 0)") }
        }
        #expect(throws: (any Error).self) {
            try store.write { db in try db.execute(sql: "UPDATE skill_key_count SET field = 'bogus' WHERE key = 'k'") }
        }
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_key_count") } == 3)
    }
}
