import Foundation
import Testing

/// Schema V4 of the team log (`Schemas/postgres/V4__pair_sums_in_one_pass.sql`): a stored
/// session pair that gains several durations in one statement is summed from the array its
/// sorted pass aggregates, not by joining the statement's rows with its pairs — the same
/// additions in the same order as V3.
@Suite("PostgreSQL V4 session pairs summed in one pass", .serialized, .enabled(if: PostgresTestServer.shouldRun))
struct PairSumsInOnePassTests {
    /// A V3 log with events migrates to V4; pushes of 1, 37 and 1,000 events a batch over 40
    /// recurring sessions keep every projection what the Swift projectors compute (`verify`) and
    /// what the local SQLite triggers compute (a pulled replica's `list --json`); so do statements
    /// of 1 to 400 rows whose stored pairs gain 0, 1 or several durations (signed zeros, NULLs,
    /// sums that depend on their order), checked by `verify`; undo to 3 gives a fresh V3's
    /// schema, and forward again.
    @Test func v3LogMigratesToV4AndBack() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.migrateWithEvents(to: 4, seed: 41, large: (5_000, 1_000))
        // The local SQLite triggers agree (before the signed zeros below: SQLite stores -0.0 as 0.0).
        try log.expectReplicaAgrees()

        // One stored pair per session: 0.1 each.
        try log.sql("""
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds, session_id)
            SELECT 'base-' || g, 'sums', '2026-06-01T00:00:00.000000Z', 1, 0.1, 'ps-' || g FROM generate_series(0, 3) AS g ORDER BY g
            """)
        // Each pair gains 1e16, 1, -1e16 in that seq order (plus an abandoned event and a
        // completion without a duration): ((0.1 + 1e16) + 1) - 1e16, which is 0 in doubles;
        // 0.1 + ((1e16 + 1) - 1e16), another order, is 0.1.
        try log.sql("""
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds, session_id)
            SELECT 'gain-' || s || '-' || k, 'sums', '2026-06-01T00:00:01.000000Z',
                   CASE WHEN k = 4 THEN 0 ELSE 1 END,
                   (ARRAY['1e16', '1', '-1e16', NULL, NULL]::float8[])[k], 'ps-' || s
            FROM generate_series(0, 3) AS s, generate_series(1, 5) AS k ORDER BY k, s
            """)
        #expect(try log.sql("""
            SELECT bool_and(total_duration_seconds = ((0.1::float8 + 1e16::float8) + 1::float8) - 1e16::float8)
                   AND bool_and(total_duration_seconds <> 0.1::float8 + ((1e16::float8 + 1::float8) - 1e16::float8))
                   AND bool_and(invocation_count = 6)
            FROM session_skill WHERE skill_name = 'sums'
            """) == "t")
        try log.ok(["verify", "--db", log.url])

        // Signed zeros into stored pairs: 0.0 + (-0.0) + (-0.0) stays 0.0, its bits those of +0.
        try log.sql("""
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds, session_id)
            SELECT 'zero-' || g, 'zeros', '2026-06-02T00:00:00.000000Z', 1, '-0'::float8, 'zs-' || (g % 2)
            FROM generate_series(1, 4) AS g ORDER BY g;
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds, session_id)
            SELECT 'zero-more-' || g, 'zeros', '2026-06-02T00:00:01.000000Z', 1, '-0'::float8, 'zs-' || (g % 2)
            FROM generate_series(1, 6) AS g ORDER BY g
            """)
        #expect(try log.sql("SELECT string_agg(total_duration_seconds::text, ',' ORDER BY session_id) FROM session_skill WHERE skill_name = 'zeros'") == "0,0")
        try log.ok(["verify", "--db", log.url])

        // Statements of several sizes, each one's pairs partly stored, partly new, with repeated
        // durations and NULLs.
        var next = 0
        for size in [1, 2, 7, 400, 3, 150] {
            try log.sql("""
                INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds, session_id)
                SELECT 'mix-' || (\(next) + g), 'mixed-' || ((\(next) + g) % 3), '2026-06-03T00:00:00.000000Z', 1,
                       (ARRAY['0.25', NULL, '3.5', '0.1', '-0', '7e-3']::float8[])[1 + (\(next) + g) % 6],
                       'ms-' || ((\(next) + g) % 11)
                FROM generate_series(1, \(size)) AS g ORDER BY g
                """)
            next += size
            try log.ok(["verify", "--db", log.url])
        }
        try log.undoAndMigrateForward(from: 4, seed: 45)
    }
}
