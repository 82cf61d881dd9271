import Foundation
import Testing

@Suite("health (CLI)")
struct HealthCLITests {
    @Test func healthyDatabaseReportsItsState() throws {
        let directory = Scratch()
        let db = directory.file("h.db")
        let input = directory.file("e.jsonl")
        try jsonlEvents(prefix: "h", count: 30, skills: 4).write(toFile: input, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["append", "--db", db, "--jsonl", input]).status == 0)
        #expect(try CLI.run(["audit", "checkpoint", "--db", db]).status == 0)
        let result = try CLI.run(["health", "--db", db, "--json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        for expected in ["\"ok\": true", "\"events\": 30", "\"skills\": 4", "\"schema_version\": 14",
                         "\"last_seq\": 30", "\"integrity\": \"ok\"", "\"projections_in_step\": true",
                         "\"last_checkpoint_seq\": 30", "\"audit_ok\": true", "\"wal_bytes\": ",
                         "\"last_invoked_at\": \"2026-03-01T10:00:29.000123Z\""] {
            #expect(result.stdout.contains(expected), "missing \(expected) in \(result.stdout)")
        }
        let text = try CLI.run(["health", "--db", db])
        #expect(text.status == 0)
        #expect(text.stdout.contains("healthy"))
    }

    @Test func skewedProjectionsOrTamperingMakeItUnhealthy() throws {
        let directory = Scratch()
        let db = directory.file("h.db")
        let input = directory.file("e.jsonl")
        try jsonlEvents(prefix: "h", count: 10).write(toFile: input, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["append", "--db", db, "--jsonl", input]).status == 0)
        #expect(try CLI.run(["audit", "checkpoint", "--db", db]).status == 0)
        try SQLiteShell.run(db, "UPDATE skill_metrics SET completed_invocations = completed_invocations + 1 WHERE skill_name = 'skill-1';")
        let skewed = try CLI.run(["health", "--db", db, "--json"])
        #expect(skewed.status == 1)
        #expect(skewed.stdout.contains("\"projections_in_step\": false"))
        #expect(try CLI.run(["rebuild", "--db", db]).status == 0)
        #expect(try CLI.run(["health", "--db", db]).status == 0)
        try SQLiteShell.run(db, "DROP TRIGGER skill_invocation_no_delete; DELETE FROM skill_invocation WHERE seq = 2;")
        let tampered = try CLI.run(["health", "--db", db, "--json"])
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("\"audit_ok\": false"))
        #expect(tampered.stdout.contains("seq 2"))
    }

    @Test func aDroppedTriggerMakesTheChecksSayNotOK() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["append", "--skill", "s", "--duration", "1.5", "--db", scratch.db]).status == 0)
        #expect(try CLI.run(["health", "--db", scratch.db]).stdout.hasSuffix("healthy\n"))
        #expect(try CLI.run(["verify", "--db", scratch.db]).stdout.hasPrefix("ok: "))
        try SQLiteShell.run(scratch.db, "DROP TRIGGER skill_invocation_no_update;")
        let health = try CLI.run(["health", "--db", scratch.db])
        #expect(health.status == 1)
        #expect(health.stdout.contains("schema:        trigger skill_invocation_no_update is missing"))
        #expect(health.stdout.hasSuffix("UNHEALTHY\n"), "\(health.stdout)")
        let json = try CLI.run(["health", "--db", scratch.db, "--json"])
        #expect(json.status == 1)
        #expect(json.stdout.contains("\"ok\": false"))
        #expect(json.stdout.contains("\"schema_differences\": [\n    \"trigger skill_invocation_no_update is missing\"\n  ]"),
                "\(json.stdout)")
        for command in [["verify"], ["audit", "verify"]] {
            let result = try CLI.run(command + ["--db", scratch.db])
            #expect(result.status == 1, "\(command)")
            #expect(result.stdout.hasPrefix("not ok: "), "\(command): \(result.stdout)")
            #expect(result.stdout.contains("see the findings on stderr"), "\(command): \(result.stdout)")
        }
    }

    @Test func anEmptyFileSaysToMigrateAndIsLeftAsItIs() throws {
        let scratch = Scratch()
        let empty = try scratch.write("empty.db", "")
        for command in [["health"], ["health", "--json"], ["audit", "verify"]] {
            let result = try CLI.run(command + ["--db", empty])
            #expect(result.status == 2, "\(command): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(command): \(result.stdout)")
            #expect(result.stderr.contains("\(empty) is not a usable SkillMetrics database: it holds no SkillMetrics log yet"), "\(command): \(result.stderr)")
            #expect(result.stderr.contains("`skill-metrics migrate --db \(empty)`"), "\(command): \(result.stderr)")
            #expect(!result.stderr.contains("SQLite error"), "\(command): \(result.stderr)")
        }
        // Nothing created or changed: no WAL or journal beside it, and the file is still empty.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["empty.db"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: empty)).isEmpty)
    }

    @Test func missingDatabaseIsAnErrorAndIsNotCreated() throws {
        let directory = Scratch()
        let db = directory.file("none.db")
        let result = try CLI.run(["health", "--db", db])
        #expect(result.status == 2)
        #expect(result.stderr.contains("none.db"))
        #expect(!FileManager.default.fileExists(atPath: db))
    }
}
