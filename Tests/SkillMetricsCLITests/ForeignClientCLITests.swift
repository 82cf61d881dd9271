import Foundation
import Testing

/// Issue 9: a log written by another SQLite client (Python's sqlite3, no Swift in the write
/// path) keeps every projection exact, on the real-shaped and the adversarial workloads.
@Suite("Foreign client inserts")
struct ForeignClientCLITests {
    static let workload = Repository.root + "/Tests/SkillMetricsCLITests/Scripts/workload.py"

    @Test("python3 sqlite3 executemany, 1,000 per transaction, then verify exits 0", arguments: ["real", "adversarial"])
    func pythonInsertsVerify(shape: String) throws {
        let scratch = Scratch()
        #expect(try CLI.run(["migrate", "--db", scratch.db]).status == 0)
        let insert = try Tool.run("python3", [Self.workload, "insert", scratch.db, shape, "10000", "4", "1000"])
        #expect(insert.status == 0, "\(insert.stderr)")
        let verify = try CLI.run(["verify", "--db", scratch.db])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        // The Swift projectors' rows (rebuild) are the triggers' rows: list --json is unchanged.
        let before = try CLI.run(["list", "--db", scratch.db, "--json"])
        #expect(before.status == 0)
        #expect(try CLI.run(["rebuild", "--db", scratch.db]).status == 0)
        let after = try CLI.run(["list", "--db", scratch.db, "--json"])
        #expect(after.stdout == before.stdout)
        #expect(try CLI.run(["verify", "--db", scratch.db]).status == 0)
    }

    @Test("a foreign insert's bad follow-up list is refused and changes nothing")
    func badFollowUpsRefused() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["migrate", "--db", scratch.db]).status == 0)
        for (finished, actions) in [(1, #"["a",1]"#), (0, #"[null]"#), (1, #"[["x"]]"#)] {
            let result = try Tool.sqlite(scratch.db, """
                INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, follow_up_actions, finished)
                VALUES ('x', 's', '2026-01-01T00:00:00.000000Z', 0, '\(actions)', \(finished));
                """)
            #expect(result.status != 0)
            #expect(result.stderr.contains("follow_up_actions must be a JSON array of strings"), "\(result.stderr)")
        }
        let count = try Tool.sqlite(scratch.db, "SELECT count(*) FROM skill_invocation; SELECT count(*) FROM skill_key_count;")
        #expect(count.stdout == "0\n0\n")
        // The id and seq guards of V1 still hold.
        #expect(try Tool.sqlite(scratch.db, """
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed) VALUES ('y', 's', '2026-01-01T00:00:00.000000Z', 1);
            """).status == 0)
        let replace = try Tool.sqlite(scratch.db, """
            INSERT OR REPLACE INTO skill_invocation (id, skill_name, invoked_at, completed) VALUES ('y', 't', '2026-01-01T00:00:00.000000Z', 1);
            """)
        #expect(replace.stderr.contains("an event with this id already exists"))
        let seq = try Tool.sqlite(scratch.db, """
            INSERT INTO skill_invocation (seq, id, skill_name, invoked_at, completed) VALUES (1, 'z', 's', '2026-01-01T00:00:00.000000Z', 1);
            """)
        #expect(seq.stderr.contains("seq must be left to SQLite"))
        #expect(try CLI.run(["verify", "--db", scratch.db]).status == 0)
    }
}
