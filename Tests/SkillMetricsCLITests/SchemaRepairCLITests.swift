import Foundation
import SkillMetrics
import Testing

/// `rebuild` restores the indexes, triggers and views the migrations create; until then the
/// checks say why the projections cannot be compared, and the readers say how to repair.
@Suite("schema repair (CLI)")
struct SchemaRepairCLITests {
    @Test func aDroppedViewIsReportedThenRestoredByRebuild() throws {
        let scratch = Scratch()
        let input = scratch.file("e.jsonl")
        try jsonlEvents(prefix: "v", count: 40, skills: 3).write(toFile: input, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["append", "--db", scratch.db, "--jsonl", input]).status == 0)
        try SQLiteShell.run(scratch.db, "DROP VIEW skill_metrics;")

        let verify = try CLI.run(["verify", "--db", scratch.db])
        #expect(verify.status == 1, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stderr.contains("schema: view skill_metrics is missing"))
        #expect(verify.stderr.contains("the projections cannot be compared with the log while the schema differs"), "\(verify.stderr)")
        #expect(verify.stderr.contains("`skill-metrics rebuild`"))

        let health = try CLI.run(["health", "--db", scratch.db, "--json"])
        #expect(health.status == 1)
        #expect(health.stdout.contains("\"projections_in_step\": false"))
        #expect(health.stdout.contains("\"projection_error\": \"SQLite error 1: no such table: skill_metrics\""), "\(health.stdout)")

        let summary = try CLI.run(["summary", "--db", scratch.db])
        #expect(summary.status == 2)
        #expect(summary.stderr.contains("view skill_metrics is missing"))
        #expect(summary.stderr.contains("`skill-metrics rebuild --db \(scratch.db)` restores them from the migrations"), "\(summary.stderr)")

        let rebuild = try CLI.run(["rebuild", "--db", scratch.db, "--json"])
        #expect(rebuild.status == 0, "\(rebuild.stdout)\(rebuild.stderr)")
        guard case .object(let json) = try rebuild.json() else {
            Issue.record("rebuild --json printed no object: \(rebuild.stdout)")
            return
        }
        #expect(json["events"] == .int(40))
        #expect(json["schema_restored"] == .array([
            .object(JSONObject([("kind", .string("view")), ("name", .string("skill_metrics")), ("finding", .string("view skill_metrics is missing"))])),
            .object(JSONObject([("kind", .string("trigger")), ("name", .string("skill_metrics_update")), ("finding", .string("trigger skill_metrics_update is missing"))])),
        ]), "\(rebuild.stdout)")

        #expect(try CLI.run(["verify", "--db", scratch.db]).status == 0)
        let healthy = try CLI.run(["health", "--db", scratch.db, "--json"])
        #expect(healthy.stdout.contains("\"projection_error\": null"))
        #expect(healthy.stdout.contains("\"schema_differences\": []"))
        #expect(try CLI.run(["summary", "--db", scratch.db]).status == 0)
    }

    @Test func rebuildRestoresADroppedProjectionTriggerAndTheProjectionsItMissed() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["append", "--db", scratch.db, "--skill", "a", "--duration", "1"]).status == 0)
        try SQLiteShell.run(scratch.db, """
            DROP TRIGGER skill_invocation_project;
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, finished, follow_up_actions)
            VALUES ('foreign-1', 'b', '2030-01-01T00:00:00.000000Z', 1, 1, '[]');
            """)
        #expect(try CLI.run(["verify", "--db", scratch.db]).status == 1)
        let rebuild = try CLI.run(["rebuild", "--db", scratch.db])
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(rebuild.stdout.hasPrefix("restored trigger skill_invocation_project (trigger skill_invocation_project is missing)\n"), "\(rebuild.stdout)")
        #expect(rebuild.stdout.contains("rebuilt projections from 2 events: 2 skills"))
        #expect(try CLI.run(["verify", "--db", scratch.db]).status == 0)
        // The trigger is live again: a foreign INSERT keeps the projections exact.
        try SQLiteShell.run(scratch.db, """
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, finished, follow_up_actions)
            VALUES ('foreign-2', 'c', '2030-01-01T00:00:01.000000Z', 1, 1, '[]');
            """)
        let verify = try CLI.run(["verify", "--db", scratch.db])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("3 events, 3 skills"))
    }

    /// A write into a file whose projection trigger is gone would leave the projections behind
    /// without a word: every write command refuses the file unchanged and says how to repair;
    /// after `rebuild` the same writes go through and `verify` passes.
    @Test(arguments: [
        ["append", "--skill", "a", "--duration", "2"],
        ["append", "--jsonl", "EVENTS"],
        ["import-json", "LEGACY"],
        ["refresh-summary"],
        ["audit", "checkpoint"],
        ["migrate"],
    ])
    func writeCommandsRefuseAFileWithoutItsProjectionTrigger(command: [String]) throws {
        let scratch = Scratch()
        let events = scratch.file("e.jsonl")
        try jsonlEvents(prefix: "w", count: 12, skills: 3).write(toFile: events, atomically: true, encoding: .utf8)
        let legacy = scratch.file("legacy.json")
        let source = scratch.file("source.db")
        #expect(try CLI.run(["append", "--db", source, "--jsonl", events]).status == 0)
        #expect(try CLI.run(["export-json", legacy, "--db", source]).status == 0)
        #expect(try CLI.run(["append", "--db", scratch.db, "--skill", "a", "--duration", "1"]).status == 0)
        try SQLiteShell.run(scratch.db, "PRAGMA journal_mode = DELETE; DROP TRIGGER skill_invocation_project;")
        let before = try Data(contentsOf: URL(fileURLWithPath: scratch.db))
        let arguments = command.map { $0 == "EVENTS" ? events : $0 == "LEGACY" ? legacy : $0 } + ["--db", scratch.db]

        let refused = try CLI.run(arguments)
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("\(scratch.db): the schema differs from the one its migrations create: trigger skill_invocation_project is missing"), "\(refused.stderr)")
        #expect(refused.stderr.contains("`skill-metrics rebuild --db \(scratch.db)` restores them"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.db)) == before, "the refused write changed the file")
        #expect(!FileManager.default.fileExists(atPath: scratch.db + "-wal"), "the refused write switched the file to WAL")

        #expect(try CLI.run(["rebuild", "--db", scratch.db]).status == 0)
        let written = try CLI.run(arguments)
        if command[0] == "import-json" {
            // Imported; its validation then reports the event the file held before (exit 1).
            #expect(written.stdout.contains("appended: 12, already present: 0"), "\(written.stdout)\(written.stderr)")
        } else {
            #expect(written.status == 0, "\(written.stdout)\(written.stderr)")
        }
        let verify = try CLI.run(["verify", "--db", scratch.db])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test func aForeignDatabaseIsNotMigratedByAnAppend() throws {
        let scratch = Scratch()
        try SQLiteShell.run(scratch.db, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine');")
        let before = try Data(contentsOf: URL(fileURLWithPath: scratch.db))
        let append = try CLI.run(["append", "--db", scratch.db, "--skill", "a"])
        #expect(append.status == 2, "\(append.stdout)\(append.stderr)")
        #expect(append.stderr.contains("table notes is not created by any migration"), "\(append.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.db)) == before)
    }
}
