import Foundation
import Testing

/// Schema V5 of the team log (`Schemas/postgres/V5__cheaper_event_rows.sql`): `recorded_at`
/// formatted once per statement, the percentile order indexed by `hashtext(skill_name)`, and the
/// count rows and session pairs written by MERGE — the same rules and the same projections as V4.
@Suite("PostgreSQL V5 cheaper event rows", .serialized, .enabled(if: PostgresTestServer.shouldRun))
struct CheaperEventRowsTests {
    /// A V4 log with events migrates to V5; pushes of 1, 37 and 5,000 events a batch and plain
    /// SQL statements whose count rows and session pairs are partly stored, partly new keep every
    /// projection what the Swift projectors compute (`verify`) and what the local SQLite triggers
    /// compute (a pulled replica's `list --json`); undo to 4 gives a fresh V4's schema, and
    /// forward again.
    @Test func v4LogMigratesToV5AndBack() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.migrateWithEvents(to: 5, seed: 51)
        // Stored pairs and count rows gaining more in one statement, next to new ones.
        for (round, size) in [1, 3, 250, 2].enumerated() {
            try log.sql("""
                INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds, session_id, follow_up_actions, workflow_path)
                SELECT 'mix-\(round)-' || g, 'mixed-' || (g % 3), '2026-07-01T00:00:00.000000Z', 1,
                       (ARRAY['0.25', NULL, '3.5', '0', '7e-3']::float8[])[1 + g % 5], 'ms-' || (g % 7),
                       '["a","b","a"]', 'path-' || (g % 4)
                FROM generate_series(1, \(size)) AS g ORDER BY g
                """)
            try log.ok(["verify", "--db", log.url])
        }
        try log.expectReplicaAgrees()
        try log.undoAndMigrateForward(from: 5, seed: 55)
    }

    /// Two skills whose names have the same `hashtext` share a range of the percentile index;
    /// their durations interleave there, and each skill's min, max and percentiles are still its
    /// own (the reads compare the names too).
    @Test func skillsWhoseNamesShareAHashKeepTheirOwnPercentiles() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        #expect(try log.sql("SELECT hashtext('skill-21538') = hashtext('skill-146677')") == "t")
        // Batch after batch, so the cursors move through the shared range.
        for round in 0..<6 {
            try log.sql("""
                INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds)
                SELECT 'h-\(round)-' || g, CASE WHEN g % 2 = 0 THEN 'skill-21538' ELSE 'skill-146677' END,
                       '2026-07-02T00:00:00.000000Z', 1,
                       CASE WHEN g % 2 = 0 THEN 100 + ((g * 37 + \(round)) % 50) ELSE ((g * 11 + \(round)) % 90) / 10.0 END
                FROM generate_series(1, \(40 + round * 7)) AS g ORDER BY g
                """)
            try log.ok(["verify", "--db", log.url])
        }
        // The even-numbered skill's durations are all >= 100, the other's all < 9.
        #expect(try log.sql("""
            SELECT string_agg(skill_name || ':' || (min_duration_seconds >= 100)::text || (max_duration_seconds >= 100)::text
                              || (p50_duration_seconds >= 100)::text || (p99_duration_seconds >= 100)::text, ',' ORDER BY skill_name)
            FROM skill_totals
            """) == "skill-146677:falsefalsefalsefalse,skill-21538:truetruetruetrue")
    }

    /// Every row of one statement gets that statement's time as `recorded_at` (as SQLite's 'now'
    /// does); the next statement its own; a row inserted with the writers' trigger disabled its
    /// own clock time, in the same format.
    @Test func recordedAtIsTheStatementsTime() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        let insert = { (prefix: String, count: Int) in
            try log.sql("""
                INSERT INTO skill_invocation (id, skill_name, invoked_at, completed)
                SELECT '\(prefix)-' || g, 'stamped', '2026-07-03T00:00:00.000000Z', 1
                FROM generate_series(1, \(count)) AS g ORDER BY g
                """)
        }
        try insert("a", 500)
        try log.sql("SELECT pg_sleep(0.01)")
        try insert("b", 3)
        #expect(try log.sql("""
            SELECT string_agg(left(id, 1) || '=' || n::text, ',' ORDER BY left(id, 1))
            FROM (SELECT left(id, 1) AS id, count(DISTINCT recorded_at) AS n FROM skill_invocation GROUP BY 1) AS s
            """) == "a=1,b=1")
        #expect(try log.sql("SELECT min(recorded_at) FILTER (WHERE id LIKE 'a-%') < min(recorded_at) FILTER (WHERE id LIKE 'b-%') FROM skill_invocation") == "t")
        // Two statements in one transaction: two values.
        try log.sql("""
            BEGIN;
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed) VALUES ('c-1', 'stamped', '2026-07-03T00:00:00.000000Z', 1);
            SELECT pg_sleep(0.01);
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed) VALUES ('c-2', 'stamped', '2026-07-03T00:00:00.000000Z', 1);
            COMMIT
            """)
        #expect(try log.sql("SELECT count(DISTINCT recorded_at) FROM skill_invocation WHERE id LIKE 'c-%'") == "2")
        try log.sql("""
            ALTER TABLE skill_invocation DISABLE TRIGGER skill_invocation_serialise_writers;
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed) VALUES ('d-1', 'stamped', '2026-07-03T00:00:00.000000Z', 1);
            ALTER TABLE skill_invocation ENABLE TRIGGER skill_invocation_serialise_writers
            """)
        #expect(try log.sql("""
            SELECT bool_and(recorded_at ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$') AND count(*) = 506
            FROM skill_invocation
            """) == "t")
        #expect(try log.sql("SELECT recorded_at > (SELECT max(recorded_at) FROM skill_invocation WHERE id LIKE 'c-%') FROM skill_invocation WHERE id = 'd-1'") == "t")
        try log.ok(["verify", "--db", log.url])
    }
}
