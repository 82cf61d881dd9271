import Foundation
import Testing
import SkillMetricsPostgres

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

extension HostileServerTests {
    /// A team log whose migration history is gone (schema_migrations emptied, then dropped):
    /// `migrate validate` exits 1 and `verify`, `push`, `pull` and `migrate` exit 2 naming the
    /// missing history, and nothing changes. Before, validate said "migrations valid", verify
    /// "ok", push and pull went on, and migrate failed on "relation … already exists".
    @Test func aLogWithoutItsMigrationHistoryIsRefused() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("local", count: 30, prefix: "n", seed: 33)
        let db = try log.localDatabase("more", count: 20, prefix: "o", seed: 34)
        let replica = log.scratch.path + "/replica.db"
        for removal in ["DELETE FROM schema_migrations", "DROP TABLE schema_migrations"] {
            try log.sql(removal)
            let digest = try log.digest()
            let validate = try log.cli(["migrate", "validate", "--db", log.url])
            #expect(validate.status == 1, "\(removal): \(validate.status) \(validate.stdout)\(validate.stderr)")
            #expect((validate.stdout + validate.stderr).contains("no migration history"), "\(removal): \(validate.stdout)\(validate.stderr)")
            for arguments in [["verify", "--db", log.url], ["push", "--db", db, "--to", log.url],
                              ["pull", "--db", replica, "--from", log.url], ["migrate", "--db", log.url],
                              ["migrate", "undo", "--to", "1", "--db", log.url]] {
                let refused = try log.cli(arguments)
                #expect(refused.status == 2, "\(removal), \(arguments): \(refused.status) \(refused.stdout)\(refused.stderr)")
                #expect(refused.stderr.contains("no migration history"), "\(removal), \(arguments): \(refused.stderr)")
            }
            #expect(try log.digest() == digest, "\(removal)")
            #expect(try log.eventCount() == 30, "\(removal)")
            #expect(!FileManager.default.fileExists(atPath: replica), "\(removal)")
            let history = try log.sql("SELECT to_regclass('schema_migrations') IS NOT NULL")
            #expect(history == (removal.hasPrefix("DROP") ? "f" : "t"), "\(removal): schema_migrations \(history)")
        }
    }

    /// An undo that fails part way (an event a superuser stored with triggers off breaks the
    /// CHECK an older version adds back) says which versions it undid and committed, and the
    /// version the log is left at, which `migrate status` confirms.
    @Test func aFailedUndoSaysWhatItUndidAndWhereTheLogStands() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("local", count: 10, prefix: "u", seed: 35)
        try log.sql("""
            SET session_replication_role = replica;
            UPDATE skill_invocation SET invoked_at = '2026-01-12 09:05:05' WHERE seq = 3;
            """)
        let undo = try log.cli(["migrate", "undo", "--to", "2", "--db", log.url])
        #expect(undo.status == 2, "\(undo.status): \(undo.stderr)")
        let version = try log.sql("SELECT max(version) FROM schema_migrations")
        #expect(undo.stderr.contains("undone and committed before it; the log is at version \(version))"), "\(undo.stderr)")
        #expect(version == "3", "\(version): \(undo.stderr)")
        #expect(undo.stderr.contains("V4 undone"), "\(undo.stderr)")
    }

    /// Starts a psql session in the background that runs `sql` (then sleeps in its
    /// transaction); returns its application name, for ``endSession(_:_:)``.
    private func holdSession(_ log: TeamLogFixture, _ sql: String) throws -> String {
        let name = "hold_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let file = log.scratch.path + "/\(name).sql"
        try Data("BEGIN;\n\(sql);\nSELECT pg_sleep(120);\nCOMMIT;\n".utf8).write(to: URL(fileURLWithPath: file))
        try PostgresTestServer.shell("""
            (PGAPPNAME=\(name) '\(log.server.binaries)/psql' -h '\(log.server.directory)' -p \(log.server.port) -U postgres \
                -d '\(log.database)' -X -q -f '\(file)' >/dev/null 2>&1 &)
            """)
        for _ in 0..<200 {
            let waiting = try log.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = '\(name)' AND query LIKE '%pg_sleep(120)%'")
            if waiting == "1" { return name }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("the background session \(name) did not start")
        return name
    }

    /// Ends the background session `name` (its backend terminated; its psql then exits).
    private func endSession(_ log: TeamLogFixture, _ name: String) throws {
        try log.sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '\(name)'")
    }

    /// While another session holds `LOCK TABLE skill_invocation IN ACCESS EXCLUSIVE MODE`, the
    /// commands that read the log give up after their lock_timeout (here 1 s through
    /// SKILL_METRICS_PG_LOCK_TIMEOUT) with exit 2 saying they timed out waiting on the server,
    /// instead of waiting forever; push still waits its turn for the writers' lock.
    @Test func readsGiveUpOnALockHeldElsewhere() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        let db = try log.pushedDatabase("local", count: 120, prefix: "l", seed: 33)
        let replica = log.scratch.path + "/replica.db"
        try log.ok(["pull", "--from", log.url, "--db", replica])
        let more = try log.localDatabase("more", count: 30, prefix: "k", seed: 34)
        let short = [TeamLogTimeouts.lockVariable: "1"]
        let holder = try holdSession(log, "LOCK TABLE skill_invocation IN ACCESS EXCLUSIVE MODE")
        let commands: [[String]] = [
            ["verify", "--db", log.url], ["health", "--db", log.url], ["pull", "--from", log.url, "--db", replica],
            ["pull", "--from", log.url, "--db", log.scratch.path + "/clone.db"], ["push", "--db", more, "--to", log.url],
        ]
        for command in commands {
            let started = Date()
            let result = try log.cli(command, environment: short)
            #expect(result.status == 2, "\(command) → \(result.status): \(result.stderr)")
            #expect(result.stderr.contains("timed out waiting on postgres://postgres@127.0.0.1:\(server.port)/\(log.database)"),
                    "\(command): \(result.stderr)")
            #expect(result.stderr.contains("lock_timeout (1 s, set by SKILL_METRICS_PG_LOCK_TIMEOUT)") && result.stderr.contains("55P03"),
                    "\(command): \(result.stderr)")
            #expect(Date().timeIntervalSince(started) < 20, "\(command)")
        }
        try endSession(log, holder)
        #expect(try log.eventCount() == 120)

        // The writers' lock held for 3 s by another writer: push waits for it, past its 1 s.
        let writer = try holdSession(log, "SELECT sm_lock_writers()")
        let waiting = try PostgresCLI.start(["push", "--db", more, "--to", log.url], scratch: log.scratch.path, environment: short)
        Thread.sleep(forTimeInterval: 3)
        try endSession(log, writer)
        let pushed = PostgresCLI.collect(waiting)
        #expect(pushed.status == 0, "\(pushed.stderr)")
        #expect(try log.eventCount() == 150)
        try log.ok(["verify", "--db", log.url])
        _ = db
    }

    /// A `skill_metrics` view replaced by one that sleeps: `list`, `show` and `summary` give up
    /// after their statement_timeout (here 1 s) with exit 2 saying so, instead of hanging.
    @Test func shortQueriesGiveUpOnAStatementThatDoesNotEnd() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("local", count: 60, prefix: "s", seed: 35)
        let skill = try log.sql("SELECT skill_name FROM skill_totals WHERE skill_name LIKE 'skill-%' ORDER BY skill_name LIMIT 1")
        try log.sql("""
            ALTER VIEW skill_metrics RENAME TO skill_metrics_real;
            CREATE VIEW skill_metrics AS SELECT m.* FROM skill_metrics_real m, (SELECT pg_sleep(1000)) s;
            """)
        for command in [["list"], ["summary"], ["show", skill]] {
            let started = Date()
            let result = try log.cli(command + ["--db", log.url], environment: [TeamLogTimeouts.statementVariable: "1"])
            #expect(result.status == 2, "\(command) → \(result.status): \(result.stderr)")
            #expect(result.stderr.contains("timed out waiting on postgres://postgres@127.0.0.1:\(server.port)/\(log.database) while reading skill_metrics"),
                    "\(command): \(result.stderr)")
            #expect(result.stderr.contains("statement_timeout (1 s, set by SKILL_METRICS_PG_STATEMENT_TIMEOUT)") && result.stderr.contains("57014"),
                    "\(command): \(result.stderr)")
            #expect(Date().timeIntervalSince(started) < 20, "\(command)")
        }
        let invalid = try log.cli(["list", "--db", log.url], environment: [TeamLogTimeouts.statementVariable: "soon"])
        #expect(invalid.status == 2)
        #expect(invalid.stderr.contains("SKILL_METRICS_PG_STATEMENT_TIMEOUT=\"soon\": expected a number of seconds"), "\(invalid.stderr)")
    }
}

extension HostileServerTests {
    /// An event at seq 0 or below (a superuser's `OVERRIDING SYSTEM VALUE`) is refused by pull
    /// (clone and incremental) and by verify on the server, naming its seq and id; pull used to
    /// skip it and exit 0.
    @Test func pullAndVerifyRefuseSeqsBelowOne() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("local", count: 80, prefix: "z", seed: 36)
        let replica = log.scratch.path + "/replica.db"
        try log.ok(["pull", "--from", log.url, "--db", replica])
        try log.sql("""
            INSERT INTO skill_invocation (seq, id, skill_name, invoked_at, completed, finished, follow_up_actions)
            OVERRIDING SYSTEM VALUE VALUES (-5, 'below-one', 'skill-x', '2026-01-01T00:00:00.000000Z', 1, 1, '[]');
            """)
        for command in [["pull", "--from", log.url, "--db", replica], ["pull", "--from", log.url, "--db", log.scratch.path + "/clone.db"],
                        ["verify", "--db", log.url]] {
            let result = try log.cli(command)
            #expect(result.status == 2, "\(command) → \(result.status): \(result.stderr)")
            #expect(result.stderr.contains("event seq -5 (id \"below-one\") breaks the event rules: its seq is below 1"),
                    "\(command): \(result.stderr)")
        }
        #expect(try log.localSQL(replica, "SELECT count(*) FROM skill_invocation") == "80")
    }

    /// A replica whose cursor the team log no longer matches — the log restored from an older
    /// backup (fewer events), or its seqs restarted and other events pushed since — is refused
    /// by pull with exit 2 saying the log is behind or different, instead of "pulled 0" or
    /// appending after a cursor that means something else there.
    @Test func pullRefusesALogThatNoLongerHoldsTheReplicasCursor() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("local", count: 100, prefix: "c", seed: 37)
        let replica = log.scratch.path + "/replica.db"
        try log.ok(["pull", "--from", log.url, "--db", replica])
        let cursor = try log.localSQL(replica, "SELECT last_server_seq FROM sync_pull")
        #expect(cursor == "100")
        try log.sql("""
            ALTER TABLE skill_invocation DISABLE TRIGGER USER;
            DELETE FROM skill_invocation WHERE seq > 60;
            ALTER TABLE skill_invocation ENABLE TRIGGER USER;
            """)
        let behind = try log.cli(["pull", "--from", log.url, "--db", replica])
        #expect(behind.status == 2, "\(behind.status): \(behind.stderr)")
        #expect(behind.stderr.contains("pulled the team log through server seq 100, but the log holds no event at that seq (its highest is 60)"),
                "\(behind.stderr)")
        #expect(behind.stderr.contains("behind or different from this replica"), "\(behind.stderr)")

        try log.sql("ALTER TABLE skill_invocation ALTER COLUMN seq RESTART WITH 61")
        try log.pushedDatabase("other", count: 70, prefix: "o", seed: 38)
        let different = try log.cli(["pull", "--from", log.url, "--db", replica])
        #expect(different.status == 2, "\(different.status): \(different.stderr)")
        #expect(different.stderr.contains("event at server seq 100, the last this replica pulled, is id \"o-39\", which this replica does not hold"),
                "\(different.stderr)")
        #expect(try log.localSQL(replica, "SELECT count(*) FROM skill_invocation") == "100")
        #expect(try log.localSQL(replica, "SELECT last_server_seq FROM sync_pull") == "100")
    }

    /// A push whose source the server already holds beyond the local log's last seq (a row
    /// inserted with this source id and source_seq 1000) exits 2 explaining, instead of
    /// "pushed 0 … resumed after local seq 1000".
    @Test func pushRefusesAServerCursorBeyondTheLocalLog() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        let db = try log.pushedDatabase("local", count: 30, prefix: "u", seed: 39)
        let source = try log.localSQL(db, "SELECT source_id FROM sync_source")
        try log.sql("""
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, finished, follow_up_actions, source_id, source_seq)
            VALUES ('planted', 'skill-x', '2026-01-01T00:00:00.000000Z', 1, 1, '[]', '\(source)', 1000);
            """)
        let more = log.scratch.path + "/more.jsonl"
        try Data(#"{"id": "u-new", "skill_name": "skill-1", "invoked_at": "2026-02-01T00:00:00.000000Z", "completed": true}"#.utf8 + [10])
            .write(to: URL(fileURLWithPath: more))
        try log.ok(["append", "--db", db, "--jsonl", more])
        let result = try log.cli(["push", "--db", db, "--to", log.url])
        #expect(result.status == 2, "\(result.status): \(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("holds events of this database's source \(source) up to local seq 1000, but the local log ends at seq 31"),
                "\(result.stderr)")
        #expect(try log.eventCount() == 31)
    }
}

extension HostileServerTests {
    /// Drops every CHECK constraint of the server's `skill_invocation` (a hostile owner), so
    /// that rows breaking the event rules can be written with the triggers disabled.
    private func dropEventChecks(_ log: TeamLogFixture) throws {
        try log.sql("""
            DO $$ DECLARE c record; BEGIN
                FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = 'skill_invocation'::regclass AND contype = 'c' LOOP
                    EXECUTE format('ALTER TABLE skill_invocation DROP CONSTRAINT %I', c.conname);
                END LOOP;
            END $$;
            """)
    }

    /// Sets `assignment` on the server's event `seq` past its checks (triggers disabled).
    private func change(_ log: TeamLogFixture, seq: String, _ assignment: String) throws {
        try log.sql("""
            ALTER TABLE skill_invocation DISABLE TRIGGER USER;
            UPDATE skill_invocation SET \(assignment) WHERE seq = \(seq);
            ALTER TABLE skill_invocation ENABLE TRIGGER USER;
            """)
    }

    /// An incremental pull applies the clone's row checks: a NaN or infinite duration (stored
    /// as NULL before, exit 0) and a follow-up list the fold refuses (`["\ud800"]`, accepted by
    /// SQLite's json_valid) stop it with exit 2 naming the seq and the field, nothing written;
    /// the clone refuses them the same way.
    @Test func incrementalPullAppliesTheClonesRowChecks() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("first", count: 100, prefix: "f", seed: 40)
        let replica = log.scratch.path + "/replica.db"
        try log.ok(["pull", "--from", log.url, "--db", replica])
        try log.pushedDatabase("second", count: 60, prefix: "g", seed: 41)
        try dropEventChecks(log)
        let seq = try log.sql("SELECT min(seq) FROM skill_invocation WHERE seq > 100 AND finished = 1")
        let id = try log.sql("SELECT id FROM skill_invocation WHERE seq = \(seq)")
        let original = try log.sql("SELECT coalesce(duration_seconds::text, 'NULL') || '|' || follow_up_actions FROM skill_invocation WHERE seq = \(seq)")
        let parts = original.split(separator: "|", maxSplits: 1).map(String.init)
        let restore = "duration_seconds = \(parts[0]), follow_up_actions = '\(parts[1].replacingOccurrences(of: "'", with: "''"))'"
        let cases: [(String, String, String)] = [
            ("duration_seconds = 'NaN'", "duration_seconds \"nan\"", "not a finite number"),
            ("duration_seconds = '-Infinity'", "duration_seconds \"-inf\"", "not a finite number"),
            (#"follow_up_actions = '["\ud800"]'"#, #"follow_up_actions "[\"\\ud800\"]""#, "not a JSON array of strings"),
        ]
        for (assignment, field, reason) in cases {
            try change(log, seq: seq, assignment)
            for target in [replica, log.scratch.path + "/clone.db"] {
                let result = try log.cli(["pull", "--from", log.url, "--db", target])
                #expect(result.status == 2, "\(assignment) → \(result.status): \(result.stderr)")
                for expected in ["event seq \(seq) (id \"\(id)\")", "its \(field) is refused by the local schema (\(reason))"] {
                    #expect(result.stderr.contains(expected), "\(assignment), \(target): \(expected) not in \(result.stderr)")
                }
            }
            #expect(try log.localSQL(replica, "SELECT count(*) FROM skill_invocation") == "100")
            #expect(try log.localSQL(replica, "SELECT last_server_seq FROM sync_pull") == "100")
            try change(log, seq: seq, restore)
        }
        try log.ok(["pull", "--from", log.url, "--db", replica])
        try log.ok(["verify", "--db", replica])
    }

    /// `verify --db postgres://…` (and `health`) refuse events that break the event rules,
    /// naming the seq and the field, instead of "ok": a non-canonical invoked_at, an infinite
    /// duration, a user context that is not a JSON object, an empty or 100,000-character id, a
    /// follow-up list the fold refuses, and an id two events share once the unique constraint
    /// is dropped.
    @Test func verifyRefusesEventsThatBreakTheRules() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("local", count: 200, prefix: "v", seed: 42)
        try dropEventChecks(log)
        let seq = try log.sql("SELECT min(seq) FROM skill_invocation WHERE seq > 150 AND finished = 1")
        let id = try log.sql("SELECT id FROM skill_invocation WHERE seq = \(seq)")
        let original = try log.sql("""
            SELECT format('invoked_at = %L, duration_seconds = %s, user_context = %s, follow_up_actions = %L, id = %L',
                          invoked_at, coalesce(duration_seconds::text, 'NULL'), coalesce(quote_literal(user_context), 'NULL'),
                          follow_up_actions, id)
            FROM skill_invocation WHERE seq = \(seq)
            """)
        let cases: [(String, String)] = [
            ("invoked_at = '2026-01-12 09:05:05'", "its invoked_at \"2026-01-12 09:05:05\" is not a canonical UTC timestamp"),
            ("duration_seconds = 'Infinity'", "its duration_seconds \"inf\" is not a finite number"),
            ("user_context = 'not json'", "its user_context \"not json\" is not a JSON object"),
            ("id = ''", "(id \"\") breaks the event rules: its id \"\" is not 1 to 200 characters"),
            ("id = repeat('x', 100000)", "its id \"xxxx"),
            (#"follow_up_actions = '["\ud800"]'"#, #"its follow_up_actions "[\"\\ud800\"]" is not a JSON array of strings"#),
        ]
        for (assignment, expected) in cases {
            try change(log, seq: seq, assignment)
            for command in [["verify"], ["health"]] {
                let result = try log.cli(command + ["--db", log.url])
                #expect(result.status != 0, "\(command) \(assignment): exit 0 with \(result.stdout)")
                #expect(result.stderr.contains("the team log's event seq \(seq)") && result.stderr.contains(expected),
                        "\(command) \(assignment): \(result.stderr)")
            }
            try change(log, seq: seq, original)
        }
        try log.ok(["verify", "--db", log.url])
        try log.sql("ALTER TABLE skill_invocation DROP CONSTRAINT skill_invocation_id_key")
        let earlier = try log.sql("SELECT min(seq) FROM skill_invocation")
        let earlierID = try log.sql("SELECT id FROM skill_invocation WHERE seq = \(earlier)")
        try change(log, seq: seq, "id = '\(earlierID)'")
        let duplicate = try log.cli(["verify", "--db", log.url])
        #expect(duplicate.status != 0)
        #expect(duplicate.stderr.contains("event seq \(seq) (id \"\(earlierID)\") breaks the event rules: its id is also the id of seq \(earlier)"),
                "\(duplicate.stderr)")
        _ = id
    }
}

extension HostileServerTests {
    /// A column whose type the server changed is named with the types, not postgres-nio's
    /// "Generic description to prevent accidental leakage…".
    @Test func decodingErrorsNameTheColumnAndTypes() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("local", count: 20, prefix: "d", seed: 43)
        let replica = log.scratch.path + "/replica.db"
        try log.ok(["pull", "--from", log.url, "--db", replica])
        try dropEventChecks(log)
        try log.sql("ALTER TABLE skill_invocation ALTER COLUMN schema_version TYPE text USING schema_version::text")
        let result = try log.cli(["pull", "--from", log.url, "--db", replica])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("skill_invocation seq 20: column schema_version (index 10) has type TEXT, expected one that decodes as Int"),
                "\(result.stderr)")
        #expect(!result.stderr.contains("Generic description"), "\(result.stderr)")
    }
}
