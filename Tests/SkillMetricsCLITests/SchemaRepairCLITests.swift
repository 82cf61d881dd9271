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
}
