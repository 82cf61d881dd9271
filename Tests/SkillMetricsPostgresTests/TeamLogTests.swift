import Foundation
import Testing

/// The PostgreSQL team log against a real server (issue 11's acceptance list). Serialized: the
/// machine is small and the server is shared.
@Suite("PostgreSQL team log", .serialized, .enabled(if: PostgresTestServer.shouldRun))
struct TeamLogTests {
    /// Three local databases (an imported legacy file with hostile keys, a real-shaped log, a session-buddy
    /// import) pushed to one team log, pushed again, verified, pulled into a replica.
    @Test func threeSourcesPushVerifyPull() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        let legacy = log.scratch.path + "/legacy.db"
        try log.ok(["import-json", "--db", legacy, TeamLogFixture.packageRoot + "/Fixtures/legacy/hostile.json", "--timezone", "UTC"])
        let buddy = log.scratch.path + "/buddy.db"
        try log.ok(["import-json", "--db", buddy, TeamLogFixture.packageRoot + "/Fixtures/legacy/session-buddy.json",
                    "--dialect", "session-buddy", "--timezone", "UTC"])
        let shaped = try log.localDatabase("shaped", count: 3_000, prefix: "shaped", seed: 11)
        var total = 0
        for db in [legacy, shaped, buddy] {
            let local = Int(try log.localSQL(db, "SELECT count(*) FROM skill_invocation")) ?? -1
            #expect(local > 0)
            total += local
            let pushed = try log.ok(["push", "--db", db, "--to", log.url, "--batch-size", "700", "--json"])
            #expect(pushed.stdout.contains("\"pushed\": \(local)"), "\(pushed.stdout)")
        }
        #expect(try log.eventCount() == total)
        for db in [legacy, shaped, buddy] {
            let again = try log.ok(["push", "--db", db, "--to", log.url, "--json"])
            #expect(again.stdout.contains("\"pushed\": 0"), "\(again.stdout)")
        }
        #expect(try log.eventCount() == total)
        let verified = try log.ok(["verify", "--db", log.url])
        #expect(verified.stdout.hasPrefix("ok: \(total) events"), "\(verified.stdout)")

        let replica = log.scratch.path + "/replica.db"
        let pulled = try log.ok(["pull", "--db", replica, "--from", log.url, "--json"])
        #expect(pulled.stdout.contains("\"appended\": \(total)"), "\(pulled.stdout)")
        let again = try log.ok(["pull", "--db", replica, "--from", log.url, "--json"])
        #expect(again.stdout.contains("\"appended\": 0"), "\(again.stdout)")
        let localList = try log.ok(["list", "--db", replica, "--json"])
        let serverList = try log.ok(["list", "--db", log.url, "--json"])
        #expect(!localList.stdout.isEmpty)
        #expect(Array(localList.stdout.utf8) == Array(serverList.stdout.utf8))
        try log.ok(["verify", "--db", replica])
        let localSummary = try log.ok(["summary", "--db", replica, "--json"])
        let serverSummary = try log.ok(["summary", "--db", log.url, "--json"])
        #expect(localSummary.stdout == serverSummary.stdout)
        try log.ok(["health", "--db", log.url])
    }

    /// `pull` into a file with no event clones the log in one transaction: a clone that fails
    /// part-way leaves the file without any event or cursor, and the next pull starts over.
    /// Later pulls append only what is new (the incremental path), and pulling into a file that
    /// already holds some of the server's events (the source's own file) skips those.
    @Test func pullClonesThenAppendsIncrementally() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        let first = try log.pushedDatabase("first", count: 12_000, prefix: "a", seed: 21)

        let replica = log.scratch.path + "/replica.db"
        func local(_ sql: String, _ db: String = replica) throws -> String { try log.localSQL(db, sql) }
        // The writer fails on an event of the first chunk while the reader is still sending: a
        // trigger that refuses it, created by a migration of the test's own (a trigger no
        // migration creates makes `pull` refuse the file before it starts), undone afterwards.
        let migrations = log.scratch.path + "/migrations"
        let embedded = TeamLogFixture.packageRoot + "/Schemas/migrations"
        try FileManager.default.copyItem(atPath: embedded, toPath: migrations)
        let latest = try FileManager.default.contentsOfDirectory(atPath: embedded)
            .compactMap { name in name.hasPrefix("V") ? Int(name.dropFirst().prefix { $0.isNumber }) : nil }.max() ?? 0
        try """
            CREATE TRIGGER test_refuses BEFORE INSERT ON skill_invocation WHEN NEW.id = 'a-100'
            BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;
            """.write(toFile: "\(migrations)/V\(latest + 1)__test_refuses.sql", atomically: true, encoding: .utf8)
        try "DROP TRIGGER test_refuses;\n".write(toFile: "\(migrations)/U\(latest + 1)__test_refuses.sql", atomically: true, encoding: .utf8)
        try log.ok(["migrate", "--db", replica, "--migrations-dir", migrations])
        let failed = try log.cli(["pull", "--db", replica, "--from", log.url, "--migrations-dir", migrations])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("refused by the test"), "\(failed.stderr)")
        #expect(try local("SELECT count(*) FROM skill_invocation") == "0")
        #expect(try local("SELECT count(*) FROM sync_pull") == "0")
        #expect(try local("SELECT count(*) FROM skill_totals") == "0")
        try log.ok(["migrate", "undo", "--to", "\(latest)", "--db", replica, "--migrations-dir", migrations])

        let now = "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
        let beforeClone = try local(now)
        let cloned = try log.ok(["pull", "--db", replica, "--from", log.url, "--json"])
        let afterClone = try local(now)
        #expect(cloned.stdout.contains("\"appended\": 12000"), "\(cloned.stdout)")
        try log.ok(["verify", "--db", replica])
        // recorded_at, bound by the pull, reads as the column's DEFAULT writes it: the time of the
        // append, UTC, milliseconds.
        #expect(try local("""
            SELECT count(*) FROM skill_invocation
            WHERE recorded_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'
              AND recorded_at BETWEEN '\(beforeClone)' AND '\(afterClone)'
            """) == "12000")

        try log.pushedDatabase("second", count: 3_000, prefix: "b", seed: 22)
        let incremental = try log.ok(["pull", "--db", replica, "--from", log.url, "--json"])
        #expect(incremental.stdout.contains("\"appended\": 3000"), "\(incremental.stdout)")
        #expect(incremental.stdout.contains("\"skipped\": 0"), "\(incremental.stdout)")
        try log.ok(["verify", "--db", replica])
        let localList = try log.ok(["list", "--db", replica, "--json"])
        let serverList = try log.ok(["list", "--db", log.url, "--json"])
        #expect(Array(localList.stdout.utf8) == Array(serverList.stdout.utf8))
        #expect(try local("SELECT group_concat(id) FROM (SELECT id FROM skill_invocation ORDER BY seq)")
                == (try log.sql("SELECT string_agg(id, ',' ORDER BY seq) FROM skill_invocation")))

        let intoSource = try log.ok(["pull", "--db", first, "--from", log.url, "--json"])
        #expect(intoSource.stdout.contains("\"appended\": 3000"), "\(intoSource.stdout)")
        #expect(intoSource.stdout.contains("\"skipped\": 12000"), "\(intoSource.stdout)")
        #expect(try local("SELECT count(*) FROM skill_invocation", first) == "15000")
        try log.ok(["verify", "--db", first])
    }

    /// A log holding other sources' events the server has, with no record of having pulled them
    /// (pulled by a build before schema V14, or copied in with `export` and `append`): pushing
    /// it skips those (same content) and sends its own, in its seq order. Batches of 700 over
    /// 3,000 such then 2,500 own events: four batches only of duplicates, one mixed (200 + 500),
    /// three fresh — each batch the unique indexes refuse is sent again with its ids looked up,
    /// and fresh batches go straight in.
    @Test func replicaPushSkipsWhatTheServerHas() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        let replica = try log.replicaOfPushedEvents(seed: 41)
        #expect(try log.localSQL(replica, "DELETE FROM sync_pulled_range; SELECT changes()") == "1")
        var generator = EventGenerator(seed: 42)
        let own = log.scratch.path + "/own.jsonl"
        try Data(generator.jsonl(count: 2_500, prefix: "r").utf8).write(to: URL(fileURLWithPath: own))
        try log.ok(["append", "--db", replica, "--jsonl", own])

        let pushed = try log.ok(["push", "--db", replica, "--to", log.url, "--batch-size", "700", "--json"])
        #expect(pushed.stdout.contains("\"pushed\": 2500"), "\(pushed.stdout)")
        #expect(pushed.stdout.contains("\"skipped\": 3000"), "\(pushed.stdout)")
        #expect(pushed.stdout.contains("\"batches\": 8"), "\(pushed.stdout)")
        #expect(try log.eventCount() == 5_500)
        let replicaSource = try log.sql("""
            SELECT source_id FROM skill_invocation WHERE id LIKE 'r-%' GROUP BY source_id
            """)
        #expect(try log.sql("""
            SELECT count(*) FROM skill_invocation WHERE source_id = '\(replicaSource)'
            """) == "2500")
        // The replica's own events, in its seq order: local seqs 3001...5500, server seqs after.
        #expect(try log.sql("""
            SELECT string_agg(source_seq::text, ',' ORDER BY seq) FROM skill_invocation WHERE source_id = '\(replicaSource)'
            """) == (3_001...5_500).map(String.init).joined(separator: ","))
        #expect(try log.localSQL(replica, "SELECT group_concat(id) FROM (SELECT id FROM skill_invocation WHERE seq > 3000 ORDER BY seq)")
                == (try log.sql("SELECT string_agg(id, ',' ORDER BY seq) FROM skill_invocation WHERE source_id = '\(replicaSource)'")))
        try log.ok(["verify", "--db", log.url])
        let again = try log.ok(["push", "--db", replica, "--to", log.url, "--json"])
        #expect(again.stdout.contains("\"pushed\": 0"), "\(again.stdout)")
        #expect(try log.eventCount() == 5_500)
    }

    /// What a replica pulled from a team log is not sent back to it (schema V14's
    /// `sync_pulled_range`): a clone, incremental pulls that extend its range, own events
    /// between two pulls (two ranges), pushes in batches that span them; every event exactly
    /// once on the server. A second team log gets every event, the pulled ones included.
    @Test func replicaPushLeavesOutWhatItPulledFromTheLog() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        let replica = try log.replicaOfPushedEvents(seed: 51)
        func ranges() throws -> String {
            try log.localSQL(replica, "SELECT group_concat(first_seq || '-' || last_seq, ' ') FROM sync_pulled_range")
        }
        #expect(try ranges() == "1-3000")

        let nothing = try log.ok(["push", "--db", replica, "--to", log.url, "--json"])
        for field in ["\"pushed\": 0", "\"skipped\": 0", "\"pulled_from_log\": 3000", "\"batches\": 0"] {
            #expect(nothing.stdout.contains(field), "\(field): \(nothing.stdout)")
        }
        let text = try log.ok(["push", "--db", replica, "--to", log.url])
        #expect(text.stdout.contains("(0 already there; 3000 pulled from it, not sent;"), "\(text.stdout)")
        #expect(try log.eventCount() == 3_000)

        // An incremental pull right after extends the range; own events, then another pull, start a second.
        try log.pushedDatabase("second", count: 1_000, prefix: "b", seed: 52)
        try log.ok(["pull", "--db", replica, "--from", log.url])
        #expect(try ranges() == "1-4000")
        var generator = EventGenerator(seed: 53)
        let own = log.scratch.path + "/own.jsonl"
        try Data(generator.jsonl(count: 500, prefix: "r").utf8).write(to: URL(fileURLWithPath: own))
        try log.ok(["append", "--db", replica, "--jsonl", own])
        try log.pushedDatabase("third", count: 200, prefix: "c", seed: 54)
        try log.ok(["pull", "--db", replica, "--from", log.url])
        #expect(try ranges() == "1-4000 4501-4700")

        let pushed = try log.ok(["push", "--db", replica, "--to", log.url, "--batch-size", "300", "--json"])
        for field in ["\"pushed\": 500", "\"skipped\": 0", "\"pulled_from_log\": 4200", "\"batches\": 2"] {
            #expect(pushed.stdout.contains(field), "\(field): \(pushed.stdout)")
        }
        #expect(try log.eventCount() == 4_700)
        let source = try log.localSQL(replica, "SELECT source_id FROM sync_source")
        #expect(try log.sql("""
            SELECT string_agg(source_seq::text, ',' ORDER BY seq) FROM skill_invocation WHERE source_id = '\(source)'
            """) == (4_001...4_500).map(String.init).joined(separator: ","))
        #expect(try log.sql("SELECT count(DISTINCT id) FROM skill_invocation") == "4700")
        try log.ok(["verify", "--db", log.url])
        let again = try log.ok(["push", "--db", replica, "--to", log.url, "--json"])
        for field in ["\"pushed\": 0", "\"skipped\": 0", "\"pulled_from_log\": 200", "\"cursor\": 4500"] {
            #expect(again.stdout.contains(field), "\(field): \(again.stdout)")
        }

        // Ranges another program wrote that overlap are refused, naming the table; nothing is sent.
        let tampered = log.scratch.path + "/tampered.db"
        try FileManager.default.copyItem(atPath: replica, toPath: tampered)
        let serverID = try log.localSQL(tampered, "SELECT server_id FROM sync_pulled_range LIMIT 1")
        try log.localSQL(tampered, "INSERT INTO sync_pulled_range VALUES ('\(serverID)', 3000, 4100)")
        let refused = try log.cli(["push", "--db", tampered, "--to", log.url])
        #expect(refused.status == 2, "\(refused.status): \(refused.stderr)")
        #expect(refused.stderr.contains("sync_pulled_range") && refused.stderr.contains("3000…4100"), "\(refused.stderr)")
        #expect(try log.eventCount() == 4_700)

        // Another team log has none of them: all 4,700 go, in the replica's seq order.
        let other = try TeamLogFixture(server: server)
        try other.ok(["migrate", "--db", other.url])
        let all = try other.ok(["push", "--db", replica, "--to", other.url, "--batch-size", "1000", "--json"])
        for field in ["\"pushed\": 4700", "\"pulled_from_log\": 0"] {
            #expect(all.stdout.contains(field), "\(field): \(all.stdout)")
        }
        #expect(try other.sql("SELECT string_agg(id, ',' ORDER BY seq) FROM skill_invocation")
                == (try log.localSQL(replica, "SELECT group_concat(id) FROM (SELECT id FROM skill_invocation ORDER BY seq)")))
        try other.ok(["verify", "--db", other.url])
    }

    /// `push` and `pull` show progress on stderr when it is a terminal (run under `script`,
    /// which gives them a pseudo-terminal), and print nothing there when it is not.
    @Test func pushAndPullShowProgressOnlyOnATerminal() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        let local = try log.localDatabase("progress", count: 12_000, prefix: "p", seed: 31)
        func onTerminal(_ arguments: [String]) throws -> String {
            let command = ([PostgresCLI.executable] + arguments).map { "'\($0)'" }.joined(separator: " ")
            return try PostgresTestServer.shell("script -qec \"\(command)\" /dev/null")
        }
        let pushed = try onTerminal(["push", "--db", local, "--to", log.url, "--batch-size", "2000"])
        #expect(pushed.contains("\rpushing: 2000 events…"), "\(pushed.debugDescription)")
        #expect(pushed.contains("\rpushing: 12000 events…\r\u{1B}[K"), "\(pushed.debugDescription)")
        #expect(pushed.contains("pushed 12000 event(s)"), "\(pushed.debugDescription)")
        let replica = log.scratch.path + "/replica.db"
        let pulled = try onTerminal(["pull", "--db", replica, "--from", log.url])
        #expect(pulled.contains("\rpulling: 5000 events…\rpulling: 10000 events…"), "\(pulled.debugDescription)")
        #expect(pulled.contains("pulled 12000 event(s)"), "\(pulled.debugDescription)")
        #expect(try log.sql("SELECT count(*) FROM skill_invocation") == "12000")

        let quiet = try log.ok(["pull", "--db", log.scratch.path + "/quiet.db", "--from", log.url])
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
        #expect(quiet.stdout.hasPrefix("pulled 12000 event(s)"))
        try log.ok(["verify", "--db", replica])
    }

    /// 8 processes push 5,000 events each at once: exactly 40,000 events, verify 0.
    @Test func concurrentPushers() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        let databases = try (0..<8).map { index in
            try log.localDatabase("pusher\(index)", count: 5_000, prefix: "p\(index)", seed: UInt64(100 + index))
        }
        let started = try databases.map { db in
            try PostgresCLI.start(["push", "--db", db, "--to", log.url, "--batch-size", "1000"], scratch: log.scratch.path)
        }
        for process in started {
            let result = PostgresCLI.collect(process)
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(try log.eventCount() == 40_000)
        #expect(try log.sql("SELECT count(DISTINCT source_id) FROM skill_invocation") == "8")
        try log.ok(["verify", "--db", log.url])
    }

    /// A push killed with SIGKILL 20 times at random points, then run to completion: every
    /// event exactly once, verify 0.
    @Test func killedPushResumesExactlyOnce() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        let db = try log.localDatabase("killed", count: 12_000, prefix: "k", seed: 7)
        let seed = UInt64(Date().timeIntervalSince1970)
        var state = seed
        var delays: [Int] = []
        for _ in 0..<20 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            delays.append(Int(50 + (state >> 33) % 700))
        }
        for delay in delays {
            let started = try PostgresCLI.start(["push", "--db", db, "--to", log.url, "--batch-size", "300"], scratch: log.scratch.path)
            usleep(useconds_t(delay * 1000))
            kill(started.0.processIdentifier, SIGKILL)
            _ = PostgresCLI.collect(started)
        }
        let afterKills = try log.eventCount()
        let finished = try log.ok(["push", "--db", db, "--to", log.url, "--batch-size", "300", "--json"])
        // The completing push resumes at the server's cursor: it sends exactly what is missing.
        #expect(finished.stdout.contains("\"pushed\": \(12_000 - afterKills)"), "after kills \(afterKills): \(finished.stdout)")
        #expect(finished.stdout.contains("\"cursor\": \(afterKills)"), "\(finished.stdout)")
        #expect(try log.eventCount() == 12_000, "seed \(seed), delays \(delays)")
        #expect(try log.sql("SELECT count(DISTINCT id) FROM skill_invocation") == "12000")
        #expect(try log.sql("SELECT count(*) FROM skill_invocation WHERE source_seq IS NULL") == "0")
        try log.ok(["verify", "--db", log.url])
    }

    /// An id already on the server with other content: exit 2 naming it, the server unchanged.
    @Test func conflictWritesNothing() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("first", count: 500, prefix: "c", seed: 3)
        let before = try log.digest()
        // A new id and, in the same batch, an id already on the server with other content.
        let second = log.scratch.path + "/second.db"
        try log.ok(["append", "--db", second, "--skill", "other", "--id", "fresh-1"])
        try log.ok(["append", "--db", second, "--skill", "other-content", "--id", "c-420"])
        let result = try log.cli(["push", "--db", second, "--to", log.url, "--batch-size", "10"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("c-420"), "\(result.stderr)")
        #expect(try log.digest() == before)
        #expect(try log.eventCount() == 500)
    }

    /// A pulled id the local file holds with other content: exit 2 naming the id and the
    /// local file (not push's "already on the server"), the local file unchanged.
    @Test func pullConflictNamesTheLocalFile() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("first", count: 500, prefix: "c", seed: 3)
        let local = log.scratch.path + "/local.db"
        try log.ok(["append", "--db", local, "--skill", "other-content", "--id", "c-3"])
        let before = try log.localSQL(local, "SELECT count(*), group_concat(id) FROM skill_invocation")
        let result = try log.cli(["pull", "--db", local, "--from", log.url])
        #expect(result.status == 2)
        #expect(result.stderr.contains("the local database \(local) holds event id c-3 with other content"), "\(result.stderr)")
        #expect(!result.stderr.contains("on the server"), "\(result.stderr)")
        #expect(try log.localSQL(local, "SELECT count(*), group_concat(id) FROM skill_invocation") == before)
        #expect(try log.localSQL(local, "SELECT count(*) FROM sync_pull") == "0")
    }

    /// Superuser tampering: verify exits 1 naming the skill and field; rebuild repairs.
    @Test func tamperingIsFoundAndRebuildRepairs() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("tamper", count: 800, prefix: "t", seed: 5)
        try log.ok(["verify", "--db", log.url])
        try log.sql("""
            ALTER TABLE skill_invocation DISABLE TRIGGER USER;
            UPDATE skill_invocation SET completed = 1 - completed WHERE seq = (SELECT min(seq) FROM skill_invocation WHERE skill_name = 'skill-3' AND finished = 1);
            ALTER TABLE skill_invocation ENABLE TRIGGER USER;
            UPDATE skill_totals SET total_duration_seconds = total_duration_seconds + 1 WHERE skill_name = 'skill-5';
            """)
        let found = try log.cli(["verify", "--db", log.url])
        #expect(found.status == 1)
        #expect(found.stdout.contains("skill_metrics \"skill-3\": completed_invocations"), "\(found.stdout)")
        #expect(found.stdout.contains("skill_metrics \"skill-5\": total_duration_seconds"), "\(found.stdout)")
        let json = try log.cli(["verify", "--db", log.url, "--json"])
        #expect(json.status == 1)
        #expect(json.stdout.contains("\"ok\": false"))
        try log.ok(["rebuild", "--db", log.url])
        try log.ok(["verify", "--db", log.url])
        // The rebuilt projections keep growing correctly with new pushes.
        try log.pushedDatabase("more", count: 300, prefix: "m", seed: 6)
        try log.ok(["verify", "--db", log.url])
    }

    /// A server row the local schema refuses (changed by a superuser past the server's own
    /// checks) stops a pull with exit 2 naming its seq, id, column and value; an incremental
    /// pull leaves the replica as it was, a pull into a new file leaves no file, nor does a
    /// pull from a database that holds no team log (which every command on the server names).
    @Test func pullNamesAnEventTheLocalSchemaRefusesAndWritesNothing() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("first", count: 300, prefix: "p", seed: 21)
        let replica = log.scratch.path + "/replica.db"
        try log.ok(["pull", "--from", log.url, "--db", replica])
        try log.pushedDatabase("second", count: 200, prefix: "q", seed: 22)
        let seq = try log.sql("SELECT max(seq) - 50 FROM skill_invocation")
        let id = try log.sql("SELECT id FROM skill_invocation WHERE seq = \(seq)")
        try log.sql("""
            ALTER TABLE skill_invocation DISABLE TRIGGER USER;
            UPDATE skill_invocation SET invoked_at = '2026-13-45T99:00:00.000000Z' WHERE seq = \(seq);
            ALTER TABLE skill_invocation ENABLE TRIGGER USER;
            """)
        let cursorBefore = try log.localSQL(replica, "SELECT last_server_seq FROM sync_pull")
        let incremental = try log.cli(["pull", "--from", log.url, "--db", replica])
        #expect(incremental.status == 2)
        for expected in ["event seq \(seq)", "\"\(id)\"", "invoked_at \"2026-13-45T99:00:00.000000Z\"", "refused by the local schema"] {
            #expect(incremental.stderr.contains(expected), "\(expected) not in: \(incremental.stderr)")
        }
        #expect(try log.localSQL(replica, "SELECT count(*) FROM skill_invocation") == "300")
        #expect(try log.localSQL(replica, "SELECT last_server_seq FROM sync_pull") == cursorBefore)
        try log.ok(["verify", "--db", replica])

        let fresh = log.scratch.path + "/fresh.db"
        let clone = try log.cli(["pull", "--from", log.url, "--db", fresh])
        #expect(clone.status == 2)
        #expect(clone.stderr.contains("event seq \(seq)"), "\(clone.stderr)")
        for suffix in ["", "-wal", "-shm", "-journal"] {
            #expect(!FileManager.default.fileExists(atPath: fresh + suffix), "\(fresh + suffix) left behind")
        }

        let empty = try server.makeDatabase()
        let none = log.scratch.path + "/none.db"
        let notALog = try log.cli(["pull", "--from", empty, "--db", none])
        #expect(notALog.status == 2)
        #expect(notALog.stderr.contains("holds no team log"), "\(notALog.stderr)")
        #expect(!FileManager.default.fileExists(atPath: none))
        // The commands on the server say the same, rather than "relation does not exist".
        for command in [["verify", "--db", empty], ["list", "--db", empty], ["rebuild", "--db", empty],
                        ["push", "--db", log.scratch.path + "/first.db", "--to", empty]] {
            let result = try log.cli(command)
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr.contains("holds no team log") && result.stderr.contains("skill-metrics migrate"),
                    "\(command): \(result.stderr)")
        }
    }

    /// A log whose applied migrations are not this build's (one from a newer build, or an
    /// edited one): push, pull, verify and rebuild refuse it with exit 2 and change nothing;
    /// reads, `health` and `migrate validate` still report on it.
    @Test(arguments: [
        "INSERT INTO schema_migrations VALUES (99, 'from a newer build', 'abc', '2027-01-01T00:00:00.000000Z', 1)",
        "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2",
    ])
    func commandsRefuseALogWithOtherMigrations(change: String) throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("first", count: 200, prefix: "f", seed: 31)
        let second = try log.localDatabase("second", count: 50, prefix: "s", seed: 32)
        try log.sql(change)
        let before = try log.digest()
        let replica = log.scratch.path + "/replica.db"
        for command in [["push", "--db", second, "--to", log.url], ["pull", "--from", log.url, "--db", replica],
                        ["verify", "--db", log.url], ["rebuild", "--db", log.url]] {
            let result = try log.cli(command)
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr.contains("migrate validate"), "\(command): \(result.stderr)")
        }
        #expect(try log.digest() == before)
        #expect(try log.eventCount() == 200)
        #expect(!FileManager.default.fileExists(atPath: replica))
        try log.ok(["list", "--db", log.url])
        #expect(try log.cli(["migrate", "validate", "--db", log.url]).status == 1)
        #expect(try log.cli(["health", "--db", log.url]).status == 1)
    }

    /// Verify reads the log and `session_skill` in chunks of 5,000 rows, texts joined with U+0001:
    /// more rows than two chunks, texts that hold the separator (and empty texts beside NULL
    /// ones) verify clean; `session_skill` rows changed, removed or added are each named.
    @Test func chunkedReadsNameSessionDifferences() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        // 12,000 events, each of its own (session, skill) pair, a tenth of them with U+0001 in
        // every text and a tenth with empty texts.
        var lines: [String] = []
        for index in 0..<12_000 {
            let odd = index % 10 == 3 ? "\\u0001" : ""
            let path = index % 10 == 5 ? "\"\"" : "\"p\(odd)\(index % 7)\""
            let error = index % 10 == 5 ? ", \"error_type\": \"\"" : index % 3 == 0 ? ", \"error_type\": \"E\(odd)\"" : ""
            lines.append("""
                {"id": "c-\(index)", "skill_name": "skill\(odd)-\(index % 5)", "invoked_at": "2026-02-01T00:00:\(String(format: "%02d", index % 60)).\(String(format: "%06d", index))Z", \
                "completed": \(index % 4 != 0), "duration_seconds": \(Double(index % 97) / 8), "workflow_path": \(path)\(error), \
                "session_id": "s\(odd)-\(index)", "follow_up_actions": ["a\(odd)", "b"]}
                """)
        }
        let jsonl = log.scratch.path + "/chunks.jsonl"
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: jsonl))
        let db = log.scratch.path + "/chunks.db"
        try log.ok(["append", "--db", db, "--jsonl", jsonl, "--batch-size", "5000"])
        try log.ok(["push", "--db", db, "--to", log.url])
        let clean = try log.ok(["verify", "--db", log.url])
        #expect(clean.stdout.contains("12000 events"), "\(clean.stdout)")
        #expect(clean.stdout.contains("12000 session × skill rows"), "\(clean.stdout)")

        try log.sql("""
            UPDATE session_skill SET invocation_count = invocation_count + 1 WHERE session_id = 's' || chr(1) || '-11003';
            DELETE FROM session_skill WHERE session_id = 's-7';
            INSERT INTO session_skill SELECT 'zz-extra', skill_name, invocation_count, first_invoked_at, last_invoked_at,
                total_duration_seconds, first_seq, last_seq FROM session_skill WHERE session_id = 's-8';
            """)
        let found = try log.cli(["verify", "--db", log.url, "--json"])
        #expect(found.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(found.stdout.utf8)) as? [String: Any])
        let differences = try #require(report["differences"] as? [[String: Any]], "\(found.stdout)")
        let named = differences.map { difference -> [String] in
            [(difference["table"] as? String) ?? ""] + ((difference["key"] as? [String]) ?? [])
                + [(difference["field"] as? String) ?? ""]
        }
        #expect(named.count == 3, "\(named)")
        #expect(named.contains(["session_skill", "s\u{1}-11003", "skill\u{1}-3", "invocation_count"]), "\(named)")
        #expect(named.contains(["session_skill", "s-7", "skill-2", "(row)"]), "\(named)")
        #expect(named.contains(["session_skill", "zz-extra", "skill-3", "(row)"]), "\(named)")
        try log.ok(["rebuild", "--db", log.url])
        try log.ok(["verify", "--db", log.url])

        // Seqs far apart (the identity restarted): verify reads by keyset instead of by seq ranges.
        try log.sql("ALTER TABLE skill_invocation ALTER COLUMN seq RESTART WITH 1000000000")
        let more = (0..<300).map { index in
            """
            {"id": "d-\(index)", "skill_name": "skill\\u0001-\(index % 3)", "invoked_at": "2026-02-02T00:00:00.\(String(format: "%06d", index))Z", \
            "completed": true, "duration_seconds": \(index).25, "session_id": "s-\(index)"}
            """
        }
        let moreFile = log.scratch.path + "/more.jsonl"
        try Data((more.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: moreFile))
        try log.ok(["append", "--db", db, "--jsonl", moreFile])
        try log.ok(["push", "--db", db, "--to", log.url])
        #expect(try log.sql("SELECT max(seq) > 1000000000 FROM skill_invocation") == "t")
        let sparse = try log.ok(["verify", "--db", log.url])
        #expect(sparse.stdout.contains("12300 events"), "\(sparse.stdout)")
        try log.sql("UPDATE skill_totals SET total_invocations = total_invocations + 1 WHERE skill_name = 'skill' || chr(1) || '-2'")
        let tampered = try log.cli(["verify", "--db", log.url])
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("total_invocations"), "\(tampered.stdout)")
    }

    /// Skill names that differ only in Unicode normalisation are two skills on the server, as
    /// in SQLite and in the legacy tracker: verify compares them by bytes, not as equal Strings.
    @Test func canonicallyEquivalentNamesStayApart() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        let lines = (0..<5).map { index in
            let name = index < 3 ? "caf\\u00e9" : "cafe\\u0301"
            return """
                {"id": "n-\(index)", "skill_name": "\(name)", "invoked_at": "2026-03-01T00:00:0\(index).000000Z", \
                "completed": true, "duration_seconds": \(index + 1).5, "workflow_path": "\(name)", "session_id": "s"}
                """
        }
        let jsonl = log.scratch.path + "/names.jsonl"
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: jsonl))
        let db = log.scratch.path + "/names.db"
        try log.ok(["append", "--db", db, "--jsonl", jsonl])
        try log.ok(["push", "--db", db, "--to", log.url])
        let verified = try log.ok(["verify", "--db", log.url])
        #expect(verified.stdout.contains("5 events, 2 skills, 2 session × skill rows"), "\(verified.stdout)")
        let list = try log.ok(["list", "--db", log.url, "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        let counts = rows.map { (Array((($0["skill_name"] as? String) ?? "").utf8), ($0["total_invocations"] as? Int) ?? -1) }
        #expect(counts.count == 2)
        #expect(counts.contains { $0.0 == Array("caf\u{E9}".utf8) && $0.1 == 3 }, "\(counts)")
        #expect(counts.contains { $0.0 == Array("cafe\u{301}".utf8) && $0.1 == 2 }, "\(counts)")
    }

    /// The push role of docs/scale-out.md can insert events and read the cursor, nothing else.
    @Test func pushRoleIsLeastPrivilege() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.sql(TeamLogRoles.sql(database: log.database))
        let pushURL = "postgres://pgpush@127.0.0.1:\(server.port)/\(log.database)"
        let db = try log.localDatabase("role", count: 200, prefix: "r", seed: 9)
        let pushed = try log.ok(["push", "--db", db, "--to", pushURL], environment: ["PGPASSWORD": "push-secret"])
        #expect(!pushed.stdout.contains("push-secret") && !pushed.stderr.contains("push-secret"))
        #expect(try log.eventCount() == 200)
        let wrong = try log.cli(["push", "--db", db, "--to", "postgres://pgpush:not-the-secret@127.0.0.1:\(server.port)/\(log.database)"])
        #expect(wrong.status == 2)
        #expect(!wrong.stderr.contains("not-the-secret"), "\(wrong.stderr)")
        for statement in [
            "UPDATE skill_invocation SET completed = 0",
            "DELETE FROM skill_invocation",
            "TRUNCATE skill_invocation",
            "INSERT INTO skill_totals (skill_name, total_invocations, completed_invocations, abandoned_invocations, total_duration_seconds, first_invoked, last_invoked, first_seq, last_seq) VALUES ('x', 1, 1, 0, 0, 'a', 'a', 1, 1)",
            "UPDATE skill_totals SET total_invocations = 0",
            "DELETE FROM skill_key_count",
            "UPDATE session_skill SET invocation_count = 0",
        ] {
            let output = try? PostgresTestServer.shell("PGPASSWORD=push-secret '\(server.binaries)/psql' -h 127.0.0.1 -p \(server.port) -U pgpush -d \(log.database) -X -q -v ON_ERROR_STOP=1 -c \"\(statement)\"")
            #expect(output == nil, "the push role could run: \(statement)")
        }
        #expect(try log.eventCount() == 200)
        try log.ok(["verify", "--db", log.url])
        // The read role reads the projections and pulls.
        let readURL = "postgres://pgread:read-secret@127.0.0.1:\(server.port)/\(log.database)"
        let listed = try log.ok(["list", "--db", readURL, "--json"])
        #expect(listed.stdout.hasPrefix("["))
        let reader = log.scratch.path + "/reader.db"
        try log.ok(["pull", "--db", reader, "--from", readURL])
        // The push role reads the log's id: the replica's pulled events are left out. Without
        // that right (grants before schema V14) they are looked up and skipped, as before.
        let back = try log.ok(["push", "--db", reader, "--to", pushURL, "--json"], environment: ["PGPASSWORD": "push-secret"])
        #expect(back.stdout.contains("\"pulled_from_log\": 200") && back.stdout.contains("\"skipped\": 0"), "\(back.stdout)")
        try log.sql("REVOKE SELECT ON team_log_identity FROM pgpush")
        let looked = try log.ok(["push", "--db", reader, "--to", pushURL, "--json"], environment: ["PGPASSWORD": "push-secret"])
        #expect(looked.stdout.contains("\"pulled_from_log\": 0") && looked.stdout.contains("\"skipped\": 200"), "\(looked.stdout)")
        #expect(looked.stdout.contains("\"pulled_ranges_readable\": false"), "\(looked.stdout)")
        #expect(looked.stderr.contains("note: this database pulled from a team log, but the role may not read team_log_identity"),
                "\(looked.stderr)")
        #expect(back.stdout.contains("\"pulled_ranges_readable\": true") && back.stderr.isEmpty, "\(back.stderr)")
        try log.sql("GRANT SELECT ON team_log_identity TO pgpush")
        #expect(try log.eventCount() == 200)
        let denied = try? PostgresTestServer.shell("PGPASSWORD=read-secret '\(server.binaries)/psql' -h 127.0.0.1 -p \(server.port) -U pgread -d \(log.database) -X -q -v ON_ERROR_STOP=1 -c \"INSERT INTO skill_invocation (id, skill_name, invoked_at, completed) VALUES ('z', 'z', '2026-01-01T00:00:00.000000Z', 1)\"")
        #expect(denied == nil)
        // The push role reads the migration history: a log migrated by a newer build is refused.
        try log.sql("INSERT INTO schema_migrations VALUES (99, 'newer', 'abc', '2027-01-01T00:00:00.000000Z', 1)")
        let more = try log.localDatabase("role-more", count: 10, prefix: "rm", seed: 10)
        let refused = try log.cli(["push", "--db", more, "--to", pushURL], environment: ["PGPASSWORD": "push-secret"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("V99 is applied on the server"), "\(refused.stderr)")
        #expect(try log.eventCount() == 200)
    }

    /// sslmode=require and verify-full against the server's self-signed CA on loopback.
    @Test func tlsModes() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        let base = "postgres://postgres@localhost:\(server.port)/\(log.database)"
        try log.ok(["migrate", "--db", base + "?sslmode=require"])
        let db = try log.localDatabase("tls", count: 100, prefix: "tls", seed: 4)
        try log.ok(["push", "--db", db, "--to", base + "?sslmode=verify-full&sslrootcert=\(server.caFile)"])
        // pgtls may only log in over TLS (pg_hba hostnossl … reject): require works, disable is refused.
        try log.sql("CREATE ROLE pgtls LOGIN SUPERUSER PASSWORD 'tls-secret'")
        let tlsUser = "postgres://pgtls:tls-secret@localhost:\(server.port)/\(log.database)"
        try log.ok(["list", "--db", tlsUser + "?sslmode=require"])
        let plain = try log.cli(["list", "--db", tlsUser + "?sslmode=disable"])
        #expect(plain.status == 2)
        #expect(!plain.stderr.contains("tls-secret"), "\(plain.stderr)")
        try log.ok(["verify", "--db", base + "?sslmode=verify-full&sslrootcert=\(server.caFile)"])
        // Another CA: verify-full refuses the server's certificate.
        let otherCA = log.scratch.path + "/other-ca.crt"
        try PostgresTestServer.shell("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other -keyout '\(log.scratch.path)/other.key' -out '\(otherCA)' 2>/dev/null")
        let refused = try log.cli(["verify", "--db", base + "?sslmode=verify-full&sslrootcert=\(otherCA)"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("cannot connect"), "\(refused.stderr)")
        // 127.0.0.1 is in the certificate too.
        try log.ok(["list", "--db", "postgres://postgres@127.0.0.1:\(server.port)/\(log.database)?sslmode=verify-full&sslrootcert=\(server.caFile)"])
    }

    /// migrate status / validate / undo on the server, and commands that need a local file.
    @Test func migrationsAndLocalOnlyCommands() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        let status = try log.ok(["migrate", "status", "--db", log.url])
        #expect(status.stdout.contains("pending"))
        try log.ok(["migrate", "--db", log.url])
        try log.ok(["migrate", "validate", "--db", log.url])
        #expect(try log.ok(["migrate", "status", "--db", log.url, "--json"]).stdout.contains("\"applied\""))
        try log.sql("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
        let invalid = try log.cli(["migrate", "validate", "--db", log.url])
        #expect(invalid.status == 1)
        #expect(invalid.stdout.contains("V1"), "\(invalid.stdout)")
        let refused = try log.cli(["migrate", "--db", log.url])
        #expect(refused.status == 2)
        let report = try log.cli(["report", "--db", log.url])
        #expect(report.status == 2)
        #expect(report.stderr.contains("pull --from"), "\(report.stderr)")
        let fresh = try TeamLogFixture(server: server)
        try fresh.ok(["migrate", "--db", fresh.url])
        try fresh.ok(["migrate", "undo", "--to", "0", "--db", fresh.url])
        #expect(try fresh.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'skill_invocation'") == "0")
        try fresh.ok(["migrate", "--db", fresh.url])
        // A plain SQL client's INSERTs are serialised and projected like a push's.
        try fresh.sql("""
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds, follow_up_actions)
            VALUES ('sql-1', 'plain', '2026-03-01T10:00:00.000000Z', 1, 0.25, '["a","b","a"]'),
                   ('sql-2', 'plain', '2026-03-01T10:00:01.000000Z', 0, NULL, '[]');
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds)
            VALUES ('sql-3', 'plain', '2026-03-01T10:00:02.000000Z', 1, 0.5);
            """)
        let shown = try fresh.ok(["show", "plain", "--db", fresh.url, "--json"])
        #expect(shown.stdout.contains("\"follow_up_actions\": {\n    \"a\": 2,\n    \"b\": 1\n  }"), "\(shown.stdout)")
        try fresh.ok(["verify", "--db", fresh.url])
        // The constraints refuse what the log must not hold.
        for values in [
            "('bad-1', 's', '2026-02-30T00:00:00.000000Z', 1, NULL, '[]')",
            "('bad-2', 's', '2026-01-01T00:00:00Z', 1, NULL, '[]')",
            "('bad-3', 's', '2026-01-01T00:00:00.000000Z', 1, 'Infinity', '[]')",
            "('bad-4', 's', '2026-01-01T00:00:00.000000Z', 1, 'NaN', '[]')",
            "('bad-5', 's', '2026-01-01T00:00:00.000000Z', 1, NULL, '[1]')",
            "('bad-6', 's', '2026-01-01T00:00:00.000000Z', 2, NULL, '[]')",
            "('sql-1', 's', '2026-01-01T00:00:00.000000Z', 1, NULL, '[]')",
        ] {
            #expect(throws: (any Error).self, "\(values)") {
                try fresh.sql("INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds, follow_up_actions) VALUES \(values)")
            }
        }
        #expect(try fresh.eventCount() == 3)
    }

    /// Malformed URLs and passwords never reach the output.
    @Test(arguments: [
        "postgres://user:hunter2@127.0.0.1:1/db",
        "postgres://user:hunter2@/db",
        "postgres://user:hunter2@127.0.0.1/db?sslmode=bogus",
    ])
    func passwordsAreRedacted(url: String) throws {
        let scratch = try ScratchDirectory()
        let result = try PostgresCLI.run(["list", "--db", url], scratch: scratch.path)
        #expect(result.status == 2)
        #expect(!result.stderr.contains("hunter2") && !result.stdout.contains("hunter2"), "\(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }
}
