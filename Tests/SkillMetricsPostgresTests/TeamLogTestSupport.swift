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
