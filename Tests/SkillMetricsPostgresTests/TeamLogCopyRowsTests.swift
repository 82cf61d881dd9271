import Foundation
import Testing
@testable import SkillMetricsPostgres

/// `push` copies its batches with `COPY … FROM STDIN` in the text format: every value must
/// arrive as the local log holds it.
@Suite("Team log COPY rows", .serialized)
struct TeamLogCopyRowsTests {
    /// Escapes, NULLs and doubles, byte for byte (the expected line written by hand from the
    /// format's rules: tab-separated, `\N`, backslash escapes).
    @Test func oneRowByteForByte() throws {
        let source = try #require(UUID(uuidString: "6F1C0000-0000-4000-8000-0000000000AB"))
        let events = [
            TeamLogEvent(
                seq: 7, id: "a\tb", skillName: "back\\slash", invokedAt: "2026-01-12T09:00:00.000000Z",
                workflowPath: "new\nline\rcr", completed: 1, durationSeconds: -0.0, errorType: nil, sessionID: "ünï ✓",
                followUpActions: #"["x\"y"]"#, schemaVersion: 2, userContext: nil, finished: 1),
            TeamLogEvent(
                seq: 8, id: "e-8", skillName: "s", invokedAt: "2026-01-12T09:00:01.000000Z",
                workflowPath: nil, completed: 0, durationSeconds: .leastNonzeroMagnitude, errorType: "", sessionID: nil,
                followUpActions: "[]", schemaVersion: 1, userContext: #"{"k":1}"#, finished: 1),
        ]
        let buffer = TeamLogCopyRows.encode(events, source: source)
        let text = String(decoding: buffer.readableBytesView, as: UTF8.self)
        #expect(text == """
            6f1c0000-0000-4000-8000-0000000000ab\t7\ta\\tb\tback\\\\slash\t2026-01-12T09:00:00.000000Z\tnew\\nline\\rcr\t1\t-0.0\t\\N\tünï ✓\t["x\\\\"y"]\t2\t\\N\t1
            6f1c0000-0000-4000-8000-0000000000ab\t8\te-8\ts\t2026-01-12T09:00:01.000000Z\t\\N\t0\t5e-324\t\t\\N\t[]\t1\t{"k":1}\t1

            """)
        #expect(TeamLogCopyRows.columns == [
            "source_id", "source_seq", "id", "skill_name", "invoked_at", "workflow_path", "completed", "duration_seconds",
            "error_type", "session_id", "follow_up_actions", "schema_version", "user_context", "finished",
        ])
    }

    /// Hostile text and extreme doubles pushed, then pulled into an empty replica: every event
    /// column there equals the original's (compared as hex and as 17 significant digits).
    @Test(.enabled(if: PostgresTestServer.shouldRun)) func pushedEventsArriveExactly() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        let durations = ["1e-300", "5e-324", "1.7976931348623157e308", "0.30000000000000004", "-0.0", "123456.789"]
        var lines: [String] = []
        for (index, duration) in durations.enumerated() {
            lines.append(#"""
                {"id": "x\t\#(index)\\", "skill_name": "s\nk\r\\", "invoked_at": "2026-02-0\#(index + 1)T10:00:00.000001Z", \#
                "completed": true, "duration_seconds": \#(duration), "workflow_path": "p\t\u00e9", "session_id": "s\\\\t", \#
                "follow_up_actions": ["a\tb", "c\\d"], "user_context": {"k": "v\nw"}}
                """#)
        }
        let jsonl = log.scratch.path + "/hostile.jsonl"
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: jsonl))
        let local = log.scratch.path + "/hostile.db"
        try log.ok(["append", "--db", local, "--jsonl", jsonl])
        try log.ok(["push", "--db", local, "--to", log.url])
        try log.ok(["verify", "--db", log.url])
        let replica = log.scratch.path + "/replica.db"
        try log.ok(["pull", "--db", replica, "--from", log.url])
        let columns = """
            SELECT group_concat(hex(id) || '|' || hex(skill_name) || '|' || hex(invoked_at) || '|' || hex(coalesce(workflow_path, '-')) \
            || '|' || completed || '|' || printf('%!.17g', duration_seconds) || '|' || hex(coalesce(session_id, '-')) \
            || '|' || hex(follow_up_actions) || '|' || hex(coalesce(user_context, '-')) || '|' || finished, ',') \
            FROM (SELECT * FROM skill_invocation ORDER BY seq)
            """
        let original = try log.localSQL(local, columns)
        #expect(!original.isEmpty)
        #expect(try log.localSQL(replica, columns) == original)
        #expect(try log.eventCount() == durations.count)
    }
}
