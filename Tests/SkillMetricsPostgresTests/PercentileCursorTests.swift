import Foundation
import Testing

/// Schema V2 of the team log (`Schemas/postgres/V2__percentile_cursors.sql`): the percentiles
/// kept by cursors that move per batch instead of V1's re-reads by sorted position.
@Suite("PostgreSQL V2 percentile cursors", .serialized, .enabled(if: PostgresTestServer.shouldRun))
struct PercentileCursorTests {
    /// A V1 log with events migrates to V2 and verifies; batches of every size after it (pushes
    /// of 1, 37 and 5,000 events, plain SQL inserts of equal durations with -0.0 and 0.0 ties)
    /// keep the percentiles those of the Swift projectors (`verify`) and of the local SQLite
    /// triggers (a pulled replica's `list --json`); `rebuild` repositions the cursors; undo to 1 leaves the schema of a fresh V1.
    @Test func v1LogMigratesToV2AndBack() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--to", "1", "--db", log.url])
        try log.pushedDatabase("first", count: 2_000, prefix: "first", seed: 21, batchSize: 300)
        try log.ok(["verify", "--db", log.url])

        let migrated = try log.ok(["migrate", "--to", "2", "--db", log.url])
        #expect(migrated.stdout.contains("applied V2; schema is at version 2"), "\(migrated.stdout)")
        #expect(try log.sql("SELECT max(version) FROM schema_migrations") == "2")
        #expect(try log.sql("""
            SELECT count(*) FROM skill_totals t
            WHERE t.duration_count > 0
              AND (SELECT count(*) FROM skill_percentile_cursor c
                   WHERE c.skill_name = t.skill_name AND c.duration_count = t.duration_count) <> 3
            """) == "0")
        try log.ok(["verify", "--db", log.url])

        for (name, count, batch, seed) in [("ones", 150, 1, UInt64(22)), ("odd", 1_500, 37, 23), ("large", 6_000, 5_000, 24)] {
            try log.pushedDatabase(name, count: count, prefix: name, seed: seed, batchSize: batch)
            try log.ok(["verify", "--db", log.url])
        }
        // The local SQLite triggers agree (before the signed zeros: SQLite stores -0.0 as 0.0).
        let replica = log.scratch.path + "/replica.db"
        try log.ok(["pull", "--db", replica, "--from", log.url])
        let localList = try log.ok(["list", "--db", replica, "--json"])
        let serverList = try log.ok(["list", "--db", log.url, "--json"])
        #expect(Array(localList.stdout.utf8) == Array(serverList.stdout.utf8))

        // One skill with many equal durations (and signed zeros, equal as doubles but not in
        // their bits: the order of ties is seq), in statements of 1 to 700 rows.
        var next = 0
        for size in [1, 2, 700, 3, 1, 250, 64, 1, 500] {
            try log.sql("""
                INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds)
                SELECT 'eq-' || (\(next) + g), 'equal', '2026-04-01T00:00:00.000000Z', 1,
                       (ARRAY['0.5', '0.25', '0.5', '-0', '0', '0.5', '2', '0.25']::float8[])[1 + (\(next) + g) % 8]
                FROM generate_series(1, \(size)) AS g ORDER BY g
                """)
            next += size
            try log.ok(["verify", "--db", log.url])
        }
        #expect(try log.sql("SELECT duration_count FROM skill_totals WHERE skill_name = 'equal'") == String(next))

        // Rebuild repositions the cursors; the next batches move them from there.
        // A cursor moved by hand (still claiming its count) would mislead every later batch.
        try log.sql("UPDATE skill_percentile_cursor SET rank = 0 WHERE skill_name = 'equal'")
        try log.ok(["rebuild", "--db", log.url])
        try log.sql("""
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds)
            SELECT 'after-' || g, 'equal', '2026-04-02T00:00:00.000000Z', 1, (g % 5)::float8 / 4 FROM generate_series(1, 40) AS g
            """)
        try log.ok(["verify", "--db", log.url])

        let undone = try log.ok(["migrate", "undo", "--to", "1", "--db", log.url])
        #expect(undone.stdout.contains("undid V2"), "\(undone.stdout)")
        let fresh = try TeamLogFixture(server: server)
        try fresh.ok(["migrate", "--to", "1", "--db", fresh.url])
        #expect(try log.schemaDump() == fresh.schemaDump())
        try log.ok(["verify", "--db", log.url])
        // And forward again: the cursors are positioned for the log as it is now.
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("more", count: 800, prefix: "more", seed: 25, batchSize: 64)
        try log.ok(["verify", "--db", log.url])
    }
}
