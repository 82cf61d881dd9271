import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// Schema V11 (issue 9, the foreign-client bar): a workflow path is counted once per event, in
/// its `skill_workflow_path` row; the view assembles `workflow_paths` from those rows and
/// `skill_key_count` keeps only errors and follow-ups. Every column of the view, `skill_totals`,
/// `session_skill` and the path rows stay V10's bit for bit through the triggers, the Swift fold,
/// plain INSERTs, a rebuild and a migration in the middle of a log; `migrate undo --to 10` gives
/// back V10's schema and its path count rows.
@Suite("Schema V11")
struct SchemaV11Tests {
    /// The projection rows (SchemaV5Tests.projections), V10's `workflow_paths` count rows left out
    /// when `droppingPathKeys`.
    static func projections(_ store: SkillMetricsStore, droppingPathKeys: Bool = false) throws -> [String] {
        let rows = try SchemaV10Tests.projections(store)
        return droppingPathKeys ? rows.filter { !$0.contains("|field=\"workflow_paths\"|") } : rows
    }

    static func pathKeyRows(_ store: SkillMetricsStore) throws -> Int {
        try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_key_count WHERE field = 'workflow_paths'") ?? -1 }
    }

    @Test("a trigger-made V10 log migrates to V11; the triggers and the fold give V10's view, totals and rows; undo gives V10's schema and count rows",
          arguments: ["real", "adversarial"])
    func migrateFromV10AndUndo(shape: String) throws {
        let directory = TemporaryDirectory()
        let events = try SchemaV5Tests.events(shape, 2_400, seed: 59)
        let store = try SchemaV5Tests.unmigratedStore(directory)
        try store.migrate(upTo: 10)
        let reference = try SchemaV5Tests.unmigratedStore(directory, "v10.db")
        try reference.migrate(upTo: 10)
        for target in [store, reference] { try SchemaV7Tests.append(target, events[..<1_000], batch: 50) }
        let v10Rows = try Self.projections(store)
        let v10Totals = try SchemaV10Tests.totals(store)
        #expect(try Self.pathKeyRows(store) > 20)

        #expect(try store.migrate() == [11, 12, 13, 14])
        #expect(try Self.pathKeyRows(store) == 0)
        #expect(try Self.projections(store) == Self.projections(reference, droppingPathKeys: true))
        #expect(try Self.projections(store) != v10Rows)
        #expect(try SchemaV10Tests.totals(store) == v10Totals)
        try store.read { db in try SchemaConformance(runner: store.migrationRunner).check(db, path: store.path) }

        // Triggers, the Swift fold (a batch of 200) and triggers again, on both.
        for target in [store, reference] { try SchemaV7Tests.feed(target, events, from: 1_000) }
        #expect(try Self.pathKeyRows(store) == 0)
        #expect(try Self.projections(store) == Self.projections(reference, droppingPathKeys: true))
        #expect(try SchemaV10Tests.totals(store) == SchemaV10Tests.totals(reference))
        let verified = try store.verify()
        #expect(verified.events == 2_400)
        #expect(verified.differences.isEmpty, "\(verified.differences.prefix(3))")

        #expect(try store.undoMigrations(to: 10) == [14, 13, 12, 11])
        let fresh = try SchemaV5Tests.unmigratedStore(directory, "fresh.db")
        try fresh.migrate(upTo: 10)
        #expect(try SchemaV5Tests.schema(store) == SchemaV5Tests.schema(fresh))
        #expect(try Self.projections(store) == Self.projections(reference))
        let undone = try store.verify()
        #expect(undone.differences.isEmpty, "\(undone.differences.prefix(3))")
    }

    @Test("a foreign client's plain INSERTs and a rebuild: V11 keeps V10's view and rows", arguments: ["real", "adversarial"])
    func plainInsertsAndRebuild(shape: String) throws {
        let directory = TemporaryDirectory()
        let events = try SchemaV5Tests.events(shape, 1_500, seed: 61)
        let store = try SchemaV5Tests.unmigratedStore(directory)
        #expect(try store.migrate().last == 14)
        let reference = try SchemaV5Tests.unmigratedStore(directory, "v10.db")
        try reference.migrate(upTo: 10)
        for target in [store, reference] {
            try SchemaV8Tests.insertPlain(target, events[..<700])
            _ = try target.rebuild()
            try SchemaV8Tests.insertPlain(target, events[700...])
        }
        #expect(try Self.pathKeyRows(store) == 0)
        #expect(try Self.projections(store) == Self.projections(reference, droppingPathKeys: true))
        #expect(try SchemaV10Tests.totals(store) == SchemaV10Tests.totals(reference))
        let verified = try store.verify()
        #expect(verified.events == 1_500)
        #expect(verified.differences.isEmpty, "\(verified.differences.prefix(3))")
    }

    @Test("the view's UPDATE of workflow_paths gives exactly that dictionary; verify names that field only; rebuild restores the rows")
    func viewUpdateOfWorkflowPaths() throws {
        let database = try TestDatabase()
        let start = ts("2026-01-01T00:00:00Z")
        try database.store.append([
            SkillInvocation(id: "1", skillName: "deploy", invokedAt: start, workflowPath: "a", completed: true, durationSeconds: 2),
            SkillInvocation(id: "2", skillName: "deploy", invokedAt: start, workflowPath: "b", completed: true, durationSeconds: 1),
            SkillInvocation(id: "3", skillName: "deploy", invokedAt: start, workflowPath: nil, completed: false),
            SkillInvocation(id: "4", skillName: "lint", invokedAt: start, workflowPath: "a", completed: true, durationSeconds: 3),
        ])
        let rowsBefore = try Self.projections(database.store)
        let queries = SkillMetricsQueries(store: database.store)
        #expect(try queries.metrics(for: "deploy")?.workflowPaths.sqliteJSON == #"{"a":1,"b":1}"#)
        // Reordered, one path gone, one new, one count changed.
        try database.store.write { db in
            try db.execute(sql: #"UPDATE skill_metrics SET workflow_paths = '{"c":4,"b":2}' WHERE skill_name = 'deploy'"#)
        }
        #expect(try queries.metrics(for: "deploy")?.workflowPaths.sqliteJSON == #"{"c":4,"b":2}"#)
        #expect(try queries.metrics(for: "lint")?.workflowPaths.sqliteJSON == #"{"a":1}"#)
        let differences = try database.store.verify().differences
        #expect(differences.filter { $0.key.first == "deploy" }.map { "\($0.table).\($0.field)" }
            == ["skill_metrics.workflow_paths"], "\(differences)")
        #expect(!differences.contains { $0.key.first == "lint" })
        _ = try database.store.rebuild()
        #expect(try database.store.verify().isConsistent)
        #expect(try Self.projections(database.store) == rowsBefore)
    }

    @Test("a changed path row is one difference: the view's workflow_paths")
    func aChangedPathRowIsTheViewsDifference() throws {
        let database = try TestDatabase()
        try database.store.append(SkillInvocation(
            id: "a", skillName: "deploy", invokedAt: ts("2026-01-01T00:00:00Z"), workflowPath: "ci/release",
            completed: true, durationSeconds: 1.5, followUpActions: ["lint"]))
        try database.store.write { db in
            try db.execute(sql: "UPDATE skill_workflow_path SET invocation_count = 3")
        }
        #expect(try database.store.verify().differences.map(\.description) == [
            #"skill_metrics "deploy": workflow_paths: stored "{\"ci/release\":3}", recomputed "{\"ci/release\":1}""#,
        ])
        // A path row's other columns are still its own differences.
        try database.store.write { db in
            try db.execute(sql: "UPDATE skill_workflow_path SET invocation_count = 1, completed_count = 0")
        }
        #expect(try database.store.verify().differences.map(\.description) == [
            "skill_workflow_path \"deploy\" × \"ci/release\": completed_count: stored 0, recomputed 1",
        ])
    }
}
