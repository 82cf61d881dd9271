import Foundation
import Testing

/// Acceptance 6 and the owner-only rule: online backups, checked restores, rotation.
@Suite("backup / restore (CLI)")
struct BackupCLITests {
    /// The ids of a database in seq order.
    func ids(_ db: String) throws -> [String] {
        try SQLiteShell.run(db, "SELECT id FROM skill_invocation ORDER BY seq;")
            .split(separator: "\n").map(String.init)
    }

    @Test func backupsTakenWhileAnotherProcessAppendsRestoreToAVerifiedPrefix() throws {
        let directory = Scratch()
        let db = directory.file("live.db")
        let seed = directory.file("seed.jsonl")
        let more = directory.file("more.jsonl")
        try jsonlEvents(prefix: "s", count: 300).write(toFile: seed, atomically: true, encoding: .utf8)
        try jsonlEvents(prefix: "w", count: 6_000).write(toFile: more, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["append", "--db", db, "--jsonl", seed]).status == 0)
        #expect(try CLI.run(["audit", "checkpoint", "--db", db]).status == 0)
        let writer = try RunningCLI(["append", "--db", db, "--jsonl", more, "--batch-size", "1", "--echo-commits"])
        // Back up only once the writer has committed events, and as fast as possible after.
        #expect(writer.waitFor(seconds: 60) { !writer.stdoutLines.isEmpty }, "the writer never committed: \(writer.stderr)")
        var backups: [String] = []
        for index in 0..<3 {
            let file = directory.file("b\(index).db")
            let result = try CLI.run(["backup", "--db", db, file, "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(posixMode(file) == 0o600)
            backups.append(file)
        }
        #expect(writer.wait() == 0, "writer: \(writer.stderr)")
        let finalIDs = try ids(db)
        #expect(finalIDs.count == 6_300)
        var sizes: [Int] = []
        for (index, backup) in backups.enumerated() {
            let target = directory.file("restored\(index).db")
            let restore = try CLI.run(["restore", "--db", target, backup])
            #expect(restore.status == 0, "\(restore.stderr)")
            #expect(posixMode(target) == 0o600)
            #expect(try CLI.run(["verify", "--db", target]).status == 0)
            #expect(try CLI.run(["audit", "verify", "--db", target]).status == 0)
            let restoredIDs = try ids(target)
            #expect(restoredIDs.count >= 300)
            #expect(Array(finalIDs.prefix(restoredIDs.count)) == restoredIDs, "backup \(index) is not a prefix of the log")
            #expect(try SQLiteShell.value(target, "SELECT max(seq) FROM skill_invocation;") == String(restoredIDs.count))
            sizes.append(restoredIDs.count)
        }
        #expect(sizes == sizes.sorted())
        // The backups overlapped the writer: at least one holds part of its events, not none
        // or all (each prefix above was checked whole). The writer's 6,000 one-event commits
        // outlast three backups on a loaded machine (1,500 once finished first).
        #expect(sizes.contains { $0 > 300 && $0 < 6_300 }, "no backup was taken while the writer ran: \(sizes)")
    }

    @Test func restoreRefusesTruncatedCorruptAndForeignFilesAndChangesNothing() throws {
        let directory = Scratch()
        let db = directory.file("m.db")
        let input = directory.file("e.jsonl")
        try jsonlEvents(prefix: "e", count: 400).write(toFile: input, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["append", "--db", db, "--jsonl", input]).status == 0)
        let backup = directory.file("good.db")
        #expect(try CLI.run(["backup", "--db", db, backup]).status == 0)
        // The database moves on after the backup; a refused restore must keep this state.
        #expect(try CLI.run(["append", "--db", db, "--skill", "after-backup"]).status == 0)
        let before = try SQLiteShell.run(db, ".dump")
        let data = try Data(contentsOf: URL(fileURLWithPath: backup))

        var candidates: [(String, Data)] = [
            ("truncated-half.db", data.prefix(data.count / 2)),
            ("truncated-page.db", data.prefix(4096 * 3)),
            ("truncated-tail.db", data.prefix(data.count - 4096)),
            ("garbage.db", Data("this is not a database\n".utf8)),
            ("empty.db", Data()),
        ]
        // One whole page in the middle overwritten with garbage.
        var damaged = data
        let page = (data.count / 4096 / 2) * 4096
        damaged.replaceSubrange(page..<(page + 4096), with: Data(repeating: 0xAB, count: 4096))
        candidates.append(("damaged-page.db", damaged))
        for (name, bytes) in candidates {
            try bytes.write(to: URL(fileURLWithPath: directory.file(name)))
        }
        try SQLiteShell.run(directory.file("foreign.db"), "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('hi');")
        candidates.append(("foreign.db", Data()))
        // A backup whose projections disagree with its log.
        try FileManager.default.copyItem(atPath: backup, toPath: directory.file("skewed.db"))
        try SQLiteShell.run(directory.file("skewed.db"), "UPDATE skill_metrics SET total_invocations = total_invocations + 1 WHERE first_seq = (SELECT min(first_seq) FROM skill_metrics);")
        candidates.append(("skewed.db", Data()))

        for (name, _) in candidates {
            let result = try CLI.run(["restore", "--db", db, directory.file(name)])
            #expect(result.status == 2, "\(name) was not refused: \(result.stdout)")
            #expect(result.stderr.contains(name), "\(name): \(result.stderr)")
            #expect(result.stderr.contains("nothing was restored") || result.stderr.contains("no such"), "\(name): \(result.stderr)")
            #expect(try SQLiteShell.run(db, ".dump") == before, "\(name) changed the database")
        }
        // No temporary files are left next to the database.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
        // The good backup restores.
        let restore = try CLI.run(["restore", "--db", db, backup, "--json"])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains("\"events\": 400"))
        #expect(try SQLiteShell.value(db, "SELECT count(*) FROM skill_invocation;") == "400")
        #expect(try CLI.run(["verify", "--db", db]).status == 0)
    }

    @Test func restoreRefusesWhileTheDatabaseIsOpenElsewhere() throws {
        let directory = Scratch()
        let db = directory.file("busy.db")
        #expect(try CLI.run(["append", "--db", db, "--skill", "x"]).status == 0)
        let backup = directory.file("b.db")
        #expect(try CLI.run(["backup", "--db", db, backup]).status == 0)
        #expect(try CLI.run(["append", "--db", db, "--skill", "y"]).status == 0)
        // Hold a read transaction open in another process while restoring (until the test kills
        // it: a holder that gave up after a few seconds let a restore slowed by a loaded machine
        // succeed).
        let holder = try RunningCLI(["-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute('BEGIN'); c.execute('SELECT count(*) FROM skill_invocation').fetchall()
            print('ready', flush=True); time.sleep(600)
            """, db], program: "python3")
        #expect(holder.waitFor(seconds: 30) { holder.stdoutLines.contains("ready") }, "python3: \(holder.stderr)")
        let result = try CLI.run(["restore", "--db", db, backup])
        holder.kill()
        holder.wait()
        #expect(result.status == 2)
        #expect(result.stderr.contains("in use"), "\(result.stderr)")
        #expect(try SQLiteShell.value(db, "SELECT count(*) FROM skill_invocation;") == "2")
    }

    @Test func rotationKeepsTheNewestNAndNothingElseIsTouched() throws {
        let directory = Scratch()
        let db = directory.file("metrics.db")
        #expect(try CLI.run(["append", "--db", db, "--skill", "x"]).status == 0)
        let backups = directory.file("backups")
        try FileManager.default.createDirectory(atPath: backups, withIntermediateDirectories: true)
        let unrelated = (backups as NSString).appendingPathComponent("metrics-notes.db")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: unrelated))
        var written: [String] = []
        for _ in 0..<4 {
            let result = try CLI.run(["backup", "--db", db, "--dir", backups, "--keep", "2", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            if let line = result.stdout.split(separator: "\n").first(where: { $0.contains("\"path\"") }) {
                written.append(String(line.split(separator: "\"")[3]))
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        let remaining = try FileManager.default.contentsOfDirectory(atPath: backups).sorted()
        #expect(written.count == 4)
        #expect(remaining == (Array(written.suffix(2).map { ($0 as NSString).lastPathComponent }) + ["metrics-notes.db"]).sorted())
        for name in remaining where name != "metrics-notes.db" {
            #expect(posixMode((backups as NSString).appendingPathComponent(name)) == 0o600)
        }
        #expect(try CLI.run(["backup", "--db", db, "--dir", backups, "--keep", "0"]).status == 2)
        #expect(try CLI.run(["backup", "--db", db, written[3]]).status == 2)  // never overwrites
    }

    @Test func newDatabaseFilesAreOwnerOnly() throws {
        let directory = Scratch()
        let db = directory.file("sub/dir/new.db")
        #expect(try CLI.run(["append", "--db", db, "--skill", "x"]).status == 0)
        #expect(posixMode(db) == 0o600)
        #expect(posixMode(directory.file("sub/dir")) == 0o700)
        // While a connection is open the WAL and shared-memory files exist; they take the
        // database file's mode. The writer holds its connection while it waits for stdin.
        let writer = try RunningCLI(["append", "--db", db, "--jsonl", "-"], holdStdin: true)
        let present = writer.waitFor(seconds: 30) {
            FileManager.default.fileExists(atPath: db + "-wal") && FileManager.default.fileExists(atPath: db + "-shm")
        }
        #expect(present, "no -wal/-shm beside the database while a writer had it open")
        for suffix in ["-wal", "-shm"] {
            #expect(posixMode(db + suffix) == 0o600, "\(suffix)")
        }
        writer.closeStdin()
        #expect(writer.wait() == 0, "writer: \(writer.stderr)")
    }
}
