import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// `SchemaRepair` re-creates the indexes, triggers and views the migrations create where a
/// file lacks them or holds other definitions; tables and objects of nobody's migration stay.
@Suite("Schema repair")
struct SchemaRepairTests {
    /// A store with a few events of two skills and two sessions.
    static func populated() throws -> TestDatabase {
        let database = try TestDatabase()
        for index in 0..<12 {
            try database.store.append(SkillInvocation(
                id: "e\(index)", skillName: "skill-\(index % 2)", invokedAt: ts("2030-01-01T00:00:\(10 + index)Z"),
                workflowPath: "path-\(index % 3)", completed: index % 4 != 0, durationSeconds: Double(index) / 4,
                sessionID: "s\(index % 2)", followUpActions: ["a\(index % 2)"]))
        }
        return database
    }

    /// Runs `sql` on the file through a connection of its own (as a hand edit would).
    static func edit(_ path: String, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: sql) }
        try queue.close()
    }

    static func differences(_ store: SkillMetricsStore) throws -> [SchemaDifference] {
        try store.read { db in try SchemaConformance(runner: store.migrationRunner).differences(db) }
    }

    static let alterations: [(name: String, sql: String, found: [String])] = [
        ("dropped view", "DROP VIEW skill_metrics",
         ["view skill_metrics is missing", "trigger skill_metrics_update is missing"]),
        ("dropped projection trigger", "DROP TRIGGER skill_invocation_project",
         ["trigger skill_invocation_project is missing"]),
        ("dropped append-only guard", "DROP TRIGGER skill_invocation_no_update",
         ["trigger skill_invocation_no_update is missing"]),
        ("dropped UNIQUE id index", "DROP INDEX idx_skill_invocation_id",
         ["index idx_skill_invocation_id is missing"]),
        ("trigger replaced by another body",
         "DROP TRIGGER skill_invocation_project; CREATE TRIGGER skill_invocation_project AFTER INSERT ON skill_invocation BEGIN SELECT 1; END",
         ["trigger skill_invocation_project differs: its definition is not the one the migrations create"]),
    ]

    @Test("restores what the migrations create, and the projections stay live afterwards", arguments: alterations.indices)
    func restores(alteration: Int) throws {
        let (_, sql, found) = Self.alterations[alteration]
        let database = try Self.populated()
        try Self.edit(database.path, sql)
        #expect(try Self.differences(database.store).map(\.description) == found)
        let restored = try SchemaRepair(store: database.store).run()
        #expect(restored.map(\.description) == found)
        #expect(try Self.differences(database.store).isEmpty)
        #expect(try SchemaRepair(store: database.store).run().isEmpty, "a second repair has nothing to do")
        _ = try database.store.rebuild()
        #expect(try database.store.verify().isConsistent)
        // The restored triggers keep the projections exact, and the guards refuse again.
        try database.store.append(SkillInvocation(
            id: "after", skillName: "skill-new", invokedAt: ts("2030-01-02T00:00:00Z"), durationSeconds: 2, sessionID: "s9"))
        #expect(try SkillMetricsQueries(store: database.store).metrics(for: "skill-new")?.totalInvocations == 1)
        #expect(try database.store.verify().isConsistent)
        #expect(throws: (any Error).self) {
            try database.store.write { db in try db.execute(sql: "UPDATE skill_invocation SET skill_name = 'x' WHERE seq = 1") }
        }
        #expect(throws: (any Error).self) {
            try database.store.append(SkillInvocation(
                id: "after", skillName: "skill-new", invokedAt: ts("2030-01-02T00:00:01Z"), durationSeconds: 2, sessionID: "s9"))
        }
    }

    @Test("tables and objects no migration creates are left alone")
    func leavesTablesAndForeignObjects() throws {
        let database = try Self.populated()
        try Self.edit(database.path, """
            CREATE TABLE notes (x TEXT); CREATE INDEX notes_x ON notes (x);
            CREATE TRIGGER notes_log AFTER INSERT ON notes BEGIN SELECT 1; END
            """)
        let before = try Self.differences(database.store)
        #expect(before.map(\.description) == [
            "table notes is not created by any migration", "index notes_x is not created by any migration",
            "trigger notes_log is not created by any migration",
        ])
        #expect(try SchemaRepair(store: database.store).run().isEmpty)
        #expect(try Self.differences(database.store) == before)
    }

    @Test("a missing or changed table is refused, naming it, before anything is restored")
    func refusesTableDifferences() throws {
        let database = try Self.populated()
        try Self.edit(database.path, "DROP TRIGGER skill_invocation_no_update; DROP TABLE skill_key_count")
        let before = try Self.differences(database.store)
        #expect(before.map(\.description) == ["table skill_key_count is missing", "trigger skill_invocation_no_update is missing"])
        let error = #expect(throws: SkillMetricsError.self) { try SchemaRepair(store: database.store).run() }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains("the schema differs from the one its migrations create: table skill_key_count is missing (a missing or changed table is not restored by `rebuild`: restore a backup"), "\(message)")
        #expect(!message.contains("trigger"), "only the tables are named: \(message)")
        #expect(try Self.differences(database.store) == before)
    }

    @Test("a restore that fails names the object and changes nothing")
    func failedRestoreChangesNothing() throws {
        let database = try Self.populated()
        // Without the id index (and the insert guard, which would look the id up), a second
        // event with a stored id gets in: the UNIQUE index cannot be built again.
        try Self.edit(database.path, """
            DROP INDEX idx_skill_invocation_id; DROP TRIGGER skill_invocation_check_insert;
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, finished, follow_up_actions)
            VALUES ('e1', 'skill-1', '2030-01-01T00:01:00.000000Z', 1, 1, '[]')
            """)
        let before = try Self.differences(database.store)
        #expect(before.map(\.description) == [
            "index idx_skill_invocation_id is missing", "trigger skill_invocation_check_insert is missing",
        ])
        let error = #expect(throws: SkillMetricsError.self) { try SchemaRepair(store: database.store).run() }
        #expect(error.map { "\($0)" }?.contains("restoring index idx_skill_invocation_id (nothing was changed)") == true,
                "\(error.map { "\($0)" } ?? "")")
        #expect(error.map { "\($0)" }?.contains("UNIQUE constraint failed") == true)
        #expect(try Self.differences(database.store) == before, "the trigger restored before the failure is rolled back")
    }
}
