import Foundation
import Testing

/// Schema V3 of the team log (`Schemas/postgres/V3__cheaper_writes.sql`): `invoked_at` and
/// `follow_up_actions` checked once per statement instead of by per-row CHECKs, a BRIN index on
/// `invoked_at`, and the projection trigger's count rows and session pairs written in fewer
/// passes — the same rules and the same projections as V2.
@Suite("PostgreSQL V3 cheaper writes", .serialized, .enabled(if: PostgresTestServer.shouldRun))
struct CheaperWritesTests {
    /// A V2 log with events migrates to V3; pushes of 1, 37 and 5,000 events a batch and plain
    /// SQL inserts (stored session pairs gaining several durations in one statement, new pairs of
    /// signed zeros) keep every projection what the Swift projectors compute (`verify`) and what
    /// the local SQLite triggers compute (a pulled replica's `list --json`); undo to 2 gives a
    /// fresh V2's schema, and forward again.
    @Test func v2LogMigratesToV3AndBack() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.migrateWithEvents(to: 3, seed: 31)
        try log.expectReplicaAgrees()

        // New session pairs whose durations are all -0.0: 0.0 + (-0.0) + … is 0.0, not -0.0.
        try log.sql("""
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds, session_id, follow_up_actions)
            SELECT 'zero-' || g, 'zeros', '2026-05-01T00:00:00.000000Z', 1, '-0'::float8, 'zs-' || (g % 3), '["x","y","x"]'
            FROM generate_series(1, 9) AS g ORDER BY g
            """)
        #expect(try log.sql("SELECT string_agg(total_duration_seconds::text, ',' ORDER BY session_id) FROM session_skill WHERE skill_name = 'zeros'") == "0,0,0")
        try log.ok(["verify", "--db", log.url])
        // The same stored pairs gain four durations each in one statement: added after the
        // stored total in seq order (1e16 + 1 - 1e16 is not 1 in doubles), and one with none.
        try log.sql("""
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds, session_id)
            SELECT 'sum-' || g, 'zeros', '2026-05-01T00:00:01.000000Z', 1,
                   (ARRAY['0.1', '1e16', '1', '-1e16', '0.2', '0.3']::float8[])[1 + g % 6], 'zs-' || (g % 3)
            FROM generate_series(1, 12) AS g ORDER BY g;
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds, session_id)
            VALUES ('none-1', 'zeros', '2026-05-01T00:00:02.000000Z', 0, NULL, 'zs-0');
            """)
        try log.ok(["verify", "--db", log.url])

        try log.undoAndMigrateForward(from: 3, seed: 35)
    }

    /// What V2's CHECKs refused, V3's statement checks refuse, naming the event (a multi-row
    /// statement with one bad row writes nothing); what they accepted, they accept.
    @Test(arguments: [
        ("'2026-02-30T00:00:00.000000Z'", "'[]'", 1, "invoked_at"),        // no February 30 (the cast refuses it)
        ("'2025-02-29T00:00:00.000000Z'", "'[]'", 1, "invoked_at"),        // not a leap year
        ("'2026-01-01T00:00:00Z'", "'[]'", 1, "invoked_at"),               // no microseconds
        ("'2026-01-01T24:00:00.000000Z'", "'[]'", 1, "invoked_at"),        // the cast reads it as the next day
        ("'2026-01-01T23:59:60.000000Z'", "'[]'", 1, "invoked_at"),        // a leap second, likewise
        ("'2026-01-01 10:00:00.000000Z'", "'[]'", 1, "invoked_at"),        // a space for the T
        ("'0000-01-01T00:00:00.000000Z'", "'[]'", 1, "invoked_at"),        // year 0000
        ("'2026-01-01T10:00:00.1Europe'", "'[]'", 1, "invoked_at"),        // 27 characters, not a time
        ("'2026-01-01T00:00:00.000000Z'", "'[1]'", 1, "follow_up_actions"),
        ("'2026-01-01T00:00:00.000000Z'", "'[\"a\",null]'", 1, "follow_up_actions"),
        ("'2026-01-01T00:00:00.000000Z'", "'{\"a\":\"b\"}'", 1, "follow_up_actions"),
        ("'2026-01-01T00:00:00.000000Z'", "'\"a\"'", 1, "follow_up_actions"),
        ("'2026-01-01T00:00:00.000000Z'", "'[1]'", 0, "follow_up_actions"), // an unfinished event's list too
    ])
    func badEventsAreRefused(invokedAt: String, actions: String, finished: Int, field: String) throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.sql("""
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, follow_up_actions)
            VALUES ('good-1', 's', '2026-01-01T00:00:00.000000Z', 1, '["a"]')
            """)
        let before = try log.digest()
        do {
            try log.sql("""
                INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, follow_up_actions, finished)
                VALUES ('good-2', 's', '2026-01-02T00:00:00.000000Z', 1, ' [ "b" , "a" ] ', 1),
                       ('bad-1', 's', \(invokedAt), 0, \(actions), \(finished))
                """)
            Issue.record("accepted \(invokedAt) \(actions)")
        } catch {
            #expect("\(error)".contains("event bad-1 has an invalid \(field)"), "\(error)")
        }
        #expect(try log.digest() == before)
        #expect(try log.eventCount() == 1)
    }

    /// Accepted as V2 accepted them: a year before 1000, the last microsecond of a leap day, a
    /// follow-up list with whitespace and escapes; the projection reads the list's strings.
    @Test func goodEdgeCasesAreAccepted() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.sql(#"""
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds, follow_up_actions)
            VALUES ('e-1', 'edge', '0999-12-31T23:59:59.999999Z', 1, 0.5, E'[\n "a\\"b" ,"\\u00e9"]'),
                   ('e-2', 'edge', '2024-02-29T23:59:59.999999Z', 1, 1.5, '[]'),
                   ('e-3', 'edge', '2026-01-01T00:00:00.000000Z', 0, NULL, '["a\"b"]')
            """#)
        #expect(try log.eventCount() == 3)
        #expect(try log.sql("SELECT follow_up_actions FROM skill_metrics WHERE skill_name = 'edge'") == #"{"a\"b":2,"é":1}"#)
        try log.ok(["verify", "--db", log.url])
    }
}
