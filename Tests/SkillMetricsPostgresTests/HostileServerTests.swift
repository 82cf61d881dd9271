import Foundation
import Testing

/// The CLI against a team log changed past its migrations' rules (a hostile or damaged
/// server): every command exits with a message naming the server and what is wrong, never a
/// crash, a hang or a wrong answer with exit 0.
@Suite("PostgreSQL hostile server", .serialized, .enabled(if: PostgresTestServer.shouldRun))
struct HostileServerTests {
    /// `push` to a log whose `skill_invocation` is a view, or whose triggers are dropped or
    /// disabled, exits 2 naming the server and the problem before any COPY (a COPY into a view
    /// stopped the process inside postgres-nio), and writes nothing.
    @Test func pushRefusesAnEventTableThatIsNotTheLogs() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        let db = try log.localDatabase("local", count: 50, prefix: "h", seed: 31)
        try log.sql("""
            ALTER TABLE skill_invocation RENAME TO skill_invocation_real;
            CREATE VIEW skill_invocation AS SELECT * FROM skill_invocation_real;
            """)
        let view = try log.cli(["push", "--db", db, "--to", log.url])
        #expect(view.status == 2, "\(view.status): \(view.stderr)")
        #expect(view.stderr.contains("/\(log.database) cannot take a push: skill_invocation is a view, not an ordinary table"),
                "\(view.stderr)")
        try log.sql("""
            DROP VIEW skill_invocation;
            ALTER TABLE skill_invocation_real RENAME TO skill_invocation;
            ALTER TABLE skill_invocation DISABLE TRIGGER skill_invocation_project;
            DROP TRIGGER skill_invocation_no_delete ON skill_invocation;
            """)
        let triggers = try log.cli(["push", "--db", db, "--to", log.url])
        #expect(triggers.status == 2, "\(triggers.status): \(triggers.stderr)")
        #expect(triggers.stderr.contains("skill_invocation has no trigger skill_invocation_no_delete"), "\(triggers.stderr)")
        #expect(triggers.stderr.contains("skill_invocation's trigger skill_invocation_project is disabled"), "\(triggers.stderr)")
        try log.sql("""
            ALTER TABLE skill_invocation ENABLE TRIGGER skill_invocation_project;
            ALTER TABLE skill_invocation DISABLE TRIGGER skill_invocation_check;
            """)
        let check = try log.cli(["push", "--db", db, "--to", log.url])
        #expect(check.status == 2, "\(check.status): \(check.stderr)")
        #expect(check.stderr.contains("skill_invocation's trigger skill_invocation_check is disabled"), "\(check.stderr)")
        #expect(try log.eventCount() == 0)
        try log.sql("""
            ALTER TABLE skill_invocation ENABLE TRIGGER skill_invocation_check;
            CREATE TRIGGER skill_invocation_no_delete BEFORE DELETE ON skill_invocation
            FOR EACH STATEMENT EXECUTE FUNCTION sm_refuse_change();
            """)
        try log.ok(["push", "--db", db, "--to", log.url])
        #expect(try log.eventCount() == 50)
    }
}

extension HostileServerTests {
    /// A `migrate` or `migrate undo` target no migration has is refused on the server as on a
    /// local file (exit 2, "no migration with version N"), and changes nothing: `undo --to -5`
    /// used to undo every migration, dropping the team log.
    @Test func migrateRefusesUnknownTargetsLikeTheLocalRunner() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("local", count: 40, prefix: "m", seed: 32)
        let digest = try log.digest()
        let history = try log.sql("SELECT string_agg(version || ':' || checksum, ',' ORDER BY version) FROM schema_migrations")
        let local = log.scratch.path + "/local-migrate.db"
        try log.ok(["migrate", "--db", local])
        for arguments in [["migrate", "undo", "--to", "-5"], ["migrate", "--to", "99"], ["migrate", "--to", "-3"],
                          ["migrate", "undo", "--to", "99"], ["migrate", "up", "--to", "-1"]] {
            let remote = try log.cli(arguments + ["--db", log.url])
            let target = arguments[arguments.count - 1]
            #expect(remote.status == 2, "\(arguments) → \(remote.status): \(remote.stderr)")
            #expect(remote.stderr == "skill-metrics: no migration with version \(target)\n", "\(arguments): \(remote.stderr)")
            let onFile = try log.cli(arguments + ["--db", local])
            #expect(onFile.status == remote.status && onFile.stderr == remote.stderr, "\(arguments): \(onFile.stderr)")
            #expect(try log.digest() == digest, "\(arguments)")
            #expect(try log.sql("SELECT string_agg(version || ':' || checksum, ',' ORDER BY version) FROM schema_migrations") == history,
                    "\(arguments)")
        }
    }
}
