import Foundation
import Testing

@Suite("audit checkpoint / audit verify (CLI)")
struct AuditCLITests {
    @Test func verifyNamesTheSeqOfAnEventEditedWithTheSQLiteShell() throws {
        let directory = Scratch()
        let db = directory.file("m.db")
        let input = directory.file("events.jsonl")
        try jsonlEvents(prefix: "a", count: 20).write(toFile: input, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["append", "--db", db, "--jsonl", input]).status == 0)
        let checkpoint = try CLI.run(["audit", "checkpoint", "--db", db, "--json"])
        #expect(checkpoint.status == 0)
        #expect(checkpoint.stdout.contains("\"seq\": 20"))
        let digest = try #require(checkpoint.stdout.split(separator: "\"").dropFirst().first { $0.count == 64 }.map(String.init))
        let text = try CLI.run(["audit", "checkpoint", "--db", db])
        #expect(text.stdout.contains("checkpoint seq 20 digest \(digest)"))
        #expect(try CLI.run(["audit", "verify", "--db", db]).status == 0)
        #expect(try CLI.run(["audit", "verify", "--db", db, "--seq", "20", "--digest", digest]).status == 0)

        try SQLiteShell.run(db, """
            DROP TRIGGER skill_invocation_no_update;
            UPDATE skill_invocation SET error_type = 'hidden' WHERE seq = 7;
            """)
        let verify = try CLI.run(["audit", "verify", "--db", db])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("seq 7:"))
        #expect(verify.stdout.contains("first differing seq 7"))
        let json = try CLI.run(["audit", "verify", "--db", db, "--json"])
        #expect(json.status == 1)
        #expect(json.stdout.contains("\"first_different_seq\": 7"))
        #expect(json.stdout.contains("\"kind\": \"event-changed\""))
    }

    @Test func verifyOfAMissingDatabaseIsAnErrorAndCreatesNothing() throws {
        let directory = Scratch()
        let db = directory.file("absent.db")
        let result = try CLI.run(["audit", "verify", "--db", db])
        #expect(result.status == 2)
        #expect(result.stderr.contains("absent.db"))
        #expect(!FileManager.default.fileExists(atPath: db))
        #expect(try CLI.run(["audit", "verify", "--db", db, "--seq", "3"]).status == 2)
    }
}
