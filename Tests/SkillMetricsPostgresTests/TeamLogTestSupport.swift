import Foundation
import Testing

/// One test's team log database and scratch directory on the shared test server.
struct TeamLogFixture {
    let server: PostgresTestServer
    let url: String
    let database: String
    let scratch: ScratchDirectory

    init(server: PostgresTestServer) throws {
        self.server = server
        url = try server.makeDatabase()
        database = PostgresTestServer.databaseName(url)
        scratch = try ScratchDirectory()
    }

    /// Runs the CLI in the scratch directory.
    @discardableResult
    func cli(_ arguments: [String], environment: [String: String] = [:]) throws -> PostgresCLIResult {
        try PostgresCLI.run(arguments, scratch: scratch.path, environment: environment)
    }

    /// Runs the CLI and expects exit status 0.
    @discardableResult
    func ok(_ arguments: [String], environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws -> PostgresCLIResult {
        let result = try cli(arguments, environment: environment)
        #expect(result.status == 0, "\(arguments.joined(separator: " ")) → \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    /// SQL as the superuser on this test's database.
    @discardableResult
    func sql(_ text: String) throws -> String {
        try server.psql(text, database: database).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The server's event count.
    func eventCount() throws -> Int {
        Int(try sql("SELECT count(*) FROM skill_invocation")) ?? -1
    }

    /// A digest of the log and every projection row (to prove something changed nothing).
    func digest() throws -> String {
        try sql("""
            SELECT md5(coalesce((SELECT string_agg(concat_ws('|', seq, id, skill_name, duration_seconds, source_seq), ',' ORDER BY seq) FROM skill_invocation), '')
                   || coalesce((SELECT string_agg(m::text, ',' ORDER BY skill_name) FROM skill_metrics m), '')
                   || coalesce((SELECT string_agg(k::text, ',' ORDER BY skill_name, field, key) FROM skill_key_count k), '')
                   || coalesce((SELECT string_agg(s::text, ',' ORDER BY session_id, skill_name) FROM session_skill s), ''))
            """)
    }

    /// The schema (no data) as pg_dump prints it, without comments and the per-dump
    /// `\restrict` key lines.
    func schemaDump() throws -> String {
        let dump = try PostgresTestServer.shell("""
            '\(server.binaries)/pg_dump' -h '\(server.directory)' -p \(server.port) -U postgres \
                --schema-only --no-owner --no-privileges '\(database)'
            """)
        return dump.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("--") && !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }
            .joined(separator: "\n")
    }

    /// A local database holding `count` generated events (ids `prefix-n`), appended with the CLI.
    func localDatabase(_ name: String, count: Int, prefix: String, seed: UInt64) throws -> String {
        var generator = EventGenerator(seed: seed)
        let jsonl = scratch.path + "/\(name).jsonl"
        try Data(generator.jsonl(count: count, prefix: prefix).utf8).write(to: URL(fileURLWithPath: jsonl))
        let db = scratch.path + "/\(name).db"
        try ok(["append", "--db", db, "--jsonl", jsonl, "--batch-size", "5000"])
        return db
    }

    /// ``localDatabase(_:count:prefix:seed:)``, pushed to this log (expecting exit status 0).
    @discardableResult
    func pushedDatabase(
        _ name: String, count: Int, prefix: String, seed: UInt64, batchSize: Int? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        let db = try localDatabase(name, count: count, prefix: prefix, seed: seed)
        try ok(["push", "--db", db, "--to", url] + (batchSize.map { ["--batch-size", String($0)] } ?? []),
               sourceLocation: sourceLocation)
        return db
    }

    /// This (new) log migrated, 3,000 events (ids `o-n`) of a local database pushed to it, and
    /// the path of a replica that then pulled them (`replica.db`).
    func replicaOfPushedEvents(seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try ok(["migrate", "--db", url], sourceLocation: sourceLocation)
        try pushedDatabase("origin", count: 3_000, prefix: "o", seed: seed, sourceLocation: sourceLocation)
        let replica = scratch.path + "/replica.db"
        try ok(["pull", "--db", replica, "--from", url], sourceLocation: sourceLocation)
        return replica
    }

    /// The first half of a schema step's round trip: this (new) log at `version - 1` with 2,000
    /// pushed events (300 a batch) migrates to `version`, then pushes of 1, 37 and `large.batch`
    /// events a batch; `verify` passes after each. The generator's seeds are `seed` to `seed + 3`.
    func migrateWithEvents(
        to version: Int, seed: UInt64, large: (count: Int, batch: Int) = (6_000, 5_000),
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        try ok(["migrate", "--to", String(version - 1), "--db", url], sourceLocation: sourceLocation)
        try pushedDatabase("first", count: 2_000, prefix: "first", seed: seed, batchSize: 300, sourceLocation: sourceLocation)
        let migrated = try ok(["migrate", "--to", String(version), "--db", url], sourceLocation: sourceLocation)
        #expect(migrated.stdout.contains("applied V\(version); schema is at version \(version)"), "\(migrated.stdout)",
                sourceLocation: sourceLocation)
        try ok(["verify", "--db", url], sourceLocation: sourceLocation)
        for (name, count, batch, offset) in [("ones", 120, 1, UInt64(1)), ("odd", 1_500, 37, 2), ("large", large.count, large.batch, 3)] {
            try pushedDatabase(name, count: count, prefix: name, seed: seed + offset, batchSize: batch, sourceLocation: sourceLocation)
            try ok(["verify", "--db", url], sourceLocation: sourceLocation)
        }
    }

    /// Pulls the log into a new replica: its `list --json` equals the server's byte for byte
    /// (the local SQLite triggers agree with the server's), and `verify` passes there.
    func expectReplicaAgrees(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let replica = scratch.path + "/replica.db"
        try ok(["pull", "--db", replica, "--from", url], sourceLocation: sourceLocation)
        let localList = try ok(["list", "--db", replica, "--json"], sourceLocation: sourceLocation)
        let serverList = try ok(["list", "--db", url, "--json"], sourceLocation: sourceLocation)
        #expect(localList.stdout.utf8.elementsEqual(serverList.stdout.utf8), "the replica's list --json differs from the server's",
                sourceLocation: sourceLocation)
        try ok(["verify", "--db", replica], sourceLocation: sourceLocation)
    }

    /// The second half of a schema step's round trip: `migrate undo --to version - 1` gives the
    /// schema of a fresh log at that version and projections `verify` accepts; migrating forward
    /// again and pushing 800 more events (64 a batch) keeps them so.
    func undoAndMigrateForward(from version: Int, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let undone = try ok(["migrate", "undo", "--to", String(version - 1), "--db", url], sourceLocation: sourceLocation)
        #expect(undone.stdout.contains("undid V\(version)"), "\(undone.stdout)", sourceLocation: sourceLocation)
        let fresh = try TeamLogFixture(server: server)
        try fresh.ok(["migrate", "--to", String(version - 1), "--db", fresh.url], sourceLocation: sourceLocation)
        #expect(try schemaDump() == fresh.schemaDump(), sourceLocation: sourceLocation)
        try ok(["verify", "--db", url], sourceLocation: sourceLocation)
        try ok(["migrate", "--db", url], sourceLocation: sourceLocation)
        try pushedDatabase("more", count: 800, prefix: "more", seed: seed, batchSize: 64, sourceLocation: sourceLocation)
        try ok(["verify", "--db", url], sourceLocation: sourceLocation)
    }

    /// One SQL statement on a local SQLite file through the `sqlite3` shell, output trimmed.
    func localSQL(_ db: String, _ sql: String) throws -> String {
        try PostgresTestServer.shell("sqlite3 '\(db)' \"\(sql)\"").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The package's root directory (for the fixtures).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
}
