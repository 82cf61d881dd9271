import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// Schema V14: the table `sync_pulled_range` (the local seqs each team log's pulls appended,
/// which a push to that log leaves out). Nothing else changes; undo drops it, giving V13's schema.
@Suite("Schema V14")
struct SchemaV14Tests {
    @Test("a V13 log with events migrates to V14: one new empty table, events and projections as they were; undo gives V13's schema")
    func migrateFromV13AndUndo() throws {
        let directory = TemporaryDirectory()
        let events = try SchemaV5Tests.events("real", 600, seed: 83)
        let store = try SchemaV5Tests.unmigratedStore(directory)
        try store.migrate(upTo: 13)
        try SchemaV7Tests.append(store, events[...], batch: 100)
        let v13Schema = try SchemaV5Tests.schema(store)
        let v13Rows = try SchemaV11Tests.projections(store)
        let v13Events = try SchemaV9Tests.events(store)

        #expect(try store.migrate() == [14])
        let added = try SchemaV5Tests.schema(store).filter { !v13Schema.contains($0) }
        #expect(added.count == 1)
        #expect(added.first?.hasPrefix("table | sync_pulled_range | sync_pulled_range | CREATE TABLE sync_pulled_range") == true)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sync_pulled_range") } == 0)
        #expect(try SchemaV9Tests.events(store) == v13Events)
        #expect(try SchemaV11Tests.projections(store) == v13Rows)
        try store.read { db in try SchemaConformance(runner: store.migrationRunner).check(db, path: store.path) }
        // The CHECKs keep ranges ranges: from seq 1 on, the last at or after the first.
        for (first, last) in [(0, 5), (7, 6)] {
            #expect(throws: DatabaseError.self) {
                try store.write { db in
                    try db.execute(sql: "INSERT INTO sync_pulled_range (server_id, first_seq, last_seq) VALUES ('s', ?, ?)",
                                   arguments: [first, last])
                }
            }
        }

        #expect(try store.undoMigrations(to: 13) == [14])
        let fresh = try SchemaV5Tests.unmigratedStore(directory, "fresh.db")
        try fresh.migrate(upTo: 13)
        #expect(try SchemaV5Tests.schema(store) == SchemaV5Tests.schema(fresh))
        #expect(try SchemaV11Tests.projections(store) == v13Rows)
        #expect(try store.verify().differences.isEmpty)
    }
}
