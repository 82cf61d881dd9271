import Foundation
import Testing

/// Acceptance 2: a writer killed with SIGKILL at random moments loses no acknowledged event
/// and leaves a database that passes integrity_check, verify and audit verify.
@Suite("SIGKILL during writes (CLI)", .serialized)
struct CrashCLITests {
    /// Checks the database after a kill: integrity, projections, audit chain.
    func expectSound(_ db: String, _ note: String) throws {
        #expect(try SQLiteShell.value(db, "PRAGMA integrity_check;") == "ok", "\(note)")
        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 0, "\(note): \(verify.stdout)\(verify.stderr)")
        let audit = try CLI.run(["audit", "verify", "--db", db])
        #expect(audit.status == 0, "\(note): \(audit.stdout)\(audit.stderr)")
    }

    func lastCommitted(_ writer: RunningCLI) -> Int? {
        committedCounts(writer.stdoutLines.suffix(1)).last
    }

    /// The largest `committed N` the writer printed (0 when none).
    func acknowledgedCount(_ writer: RunningCLI) -> Int {
        committedCounts(writer.stdoutLines).max() ?? 0
    }

    /// The events of a run (ids `PREFIX-00000`…) in the database, and how many of the first
    /// `acknowledged` of them.
    func presentCounts(_ db: String, prefix: String, acknowledged: Int) throws -> (present: Int, acknowledgedPresent: Int) {
        let present = Int(try SQLiteShell.value(db, "SELECT count(*) FROM skill_invocation WHERE id LIKE '\(prefix)-%';")) ?? -1
        let acknowledgedPresent = Int(try SQLiteShell.value(db, """
            SELECT count(*) FROM skill_invocation WHERE id >= '\(prefix)-' AND id < '\(prefix)-\(String(format: "%05d", acknowledged))';
            """)) ?? -1
        return (present, acknowledgedPresent)
    }

    @Test func killedAppendKeepsEveryAcknowledgedEvent() throws {
        let directory = Scratch()
        let db = try seededDatabase(directory, "crash.db")
        #expect(try CLI.run(["audit", "checkpoint", "--db", db]).status == 0)
        var generator = SeededGenerator(seed: 0x5EED_0002)
        var expectedTotal = 200
        var killedMidWrite = 0
        let runs = 24
        for run in 0..<runs {
            let prefix = "k" + String(format: "%02d", run)
            let input = directory.file("\(prefix).jsonl")
            let count = 600
            try jsonlEvents(prefix: prefix, count: count).write(toFile: input, atomically: true, encoding: .utf8)
            let writer = try RunningCLI(["append", "--db", db, "--jsonl", input, "--batch-size", "1", "--echo-commits"])
            // A random moment: one run in four during start-up and validation (a random delay),
            // the others after a random number of commits plus a random few milliseconds, so
            // that the kill lands mid-append however loaded the machine is.
            let delay: Double
            if run % 4 == 0 {
                delay = Double.random(in: 0.005...0.3, using: &generator)
                Thread.sleep(forTimeInterval: delay)
            } else {
                let target = Int.random(in: 1...(count - 100), using: &generator)
                let deadline = Date().addingTimeInterval(60)
                while writer.process.isRunning && Date() < deadline
                        && (lastCommitted(writer) ?? 0) < target {
                    Thread.sleep(forTimeInterval: 0.001)
                }
                delay = Double.random(in: 0...0.005, using: &generator)
                Thread.sleep(forTimeInterval: delay)
            }
            writer.kill()
            writer.wait()
            let acknowledged = acknowledgedCount(writer)
            // Every acknowledged event is there, in order; at most one more (committed, not yet printed).
            let (present, acknowledgedPresent) = try presentCounts(db, prefix: prefix, acknowledged: acknowledged)
            #expect(acknowledgedPresent == acknowledged, "run \(run), \(generator): \(acknowledged) acknowledged, \(acknowledgedPresent) present")
            #expect(present >= acknowledged && present <= acknowledged + 1, "run \(run), \(generator): present \(present), acknowledged \(acknowledged)")
            if writer.wasKilled && acknowledged > 0 && present < count { killedMidWrite += 1 }
            expectedTotal += present
            try expectSound(db, "after run \(run), \(generator) (killed after \(delay) s, \(acknowledged) acknowledged)")
            if run % 6 == 5 { #expect(try CLI.run(["audit", "checkpoint", "--db", db]).status == 0) }
        }
        #expect(try SQLiteShell.value(db, "SELECT count(*) FROM skill_invocation;") == String(expectedTotal))
        // The kills aimed at the appends must land while events are being written.
        #expect(killedMidWrite >= runs / 2, "only \(killedMidWrite) of \(runs) kills landed mid-append, \(generator)")
    }

    /// Batches of 500 are written by the incremental fold, their WAL frames gathered in memory
    /// until the commit frame (WALWriteCoalescing): a kill at any moment keeps every
    /// acknowledged batch and no part of another.
    @Test func killedBatchedAppendKeepsWholeBatches() throws {
        let directory = Scratch()
        let db = try seededDatabase(directory, "batches.db")
        var generator = SeededGenerator(seed: 0x5EED_0005)
        var expectedTotal = 200
        var killedMidWrite = 0
        let runs = 12, count = 8_000, batch = 500
        for run in 0..<runs {
            let prefix = "b" + String(format: "%02d", run)
            let input = try directory.write("\(prefix).jsonl", jsonlEvents(prefix: prefix, count: count))
            let writer = try RunningCLI(["append", "--db", db, "--jsonl", input, "--batch-size", String(batch), "--echo-commits"])
            // After a random number of acknowledged batches, plus a few milliseconds: inside the
            // next batch's writes or its commit.
            let target = Int.random(in: 0...(count / batch - 2), using: &generator) * batch
            let deadline = Date().addingTimeInterval(60)
            while writer.process.isRunning && Date() < deadline && (lastCommitted(writer) ?? 0) < target {
                Thread.sleep(forTimeInterval: 0.001)
            }
            let delay = Double.random(in: 0...0.02, using: &generator)
            Thread.sleep(forTimeInterval: delay)
            writer.kill()
            writer.wait()
            let acknowledged = acknowledgedCount(writer)
            let (present, acknowledgedPresent) = try presentCounts(db, prefix: prefix, acknowledged: acknowledged)
            let note = "run \(run), \(generator): killed \(delay) s after \(target), \(acknowledged) acknowledged, \(present) present"
            #expect(acknowledgedPresent == acknowledged, "\(note)")
            // Whole batches only: the acknowledged ones, and perhaps one committed but not yet printed.
            #expect(present == acknowledged || present == acknowledged + batch || present == count, "\(note)")
            if writer.wasKilled && present < count { killedMidWrite += 1 }
            expectedTotal += present
            try expectSound(db, note)
        }
        #expect(try SQLiteShell.value(db, "SELECT count(*) FROM skill_invocation;") == String(expectedTotal))
        #expect(killedMidWrite >= runs / 2, "only \(killedMidWrite) of \(runs) kills landed mid-append, \(generator)")
    }

    @Test func killedImportLeavesNothingOrAllOfIt() throws {
        let directory = Scratch()
        let fixture = Repository.fixture("legacy/large.json")
        // A whole import, to know the full event count and how long it takes here at best.
        let reference = directory.file("reference.db")
        var duration = Double.infinity
        for attempt in 0..<2 {
            let db = attempt == 0 ? reference : directory.file("timing.db")
            let start = Date()
            let result = try CLI.run(["import-json", fixture, "--db", db, "--timezone", "UTC"])
            #expect(result.status == 0, "\(result.stderr)")
            duration = min(duration, max(Date().timeIntervalSince(start), 0.05))
        }
        let full = try SQLiteShell.value(reference, "SELECT count(*) FROM skill_invocation;")
        #expect(full == "20000")
        var generator = SeededGenerator(seed: 0x5EED_0004)
        var killedMidImport = 0
        for run in 0..<20 {
            let db = directory.file("import-\(run).db")
            // An earlier fact, so a torn import would show up against it.
            #expect(try CLI.run(["append", "--db", db, "--skill", "before-import", "--duration", "1"]).status == 0)
            #expect(try CLI.run(["audit", "checkpoint", "--db", db]).status == 0)
            let importer = try RunningCLI(["import-json", fixture, "--db", db, "--timezone", "UTC"])
            let delay = Double.random(in: 0...(duration * 0.9), using: &generator)
            Thread.sleep(forTimeInterval: delay)
            importer.kill()
            importer.wait()
            let count = try SQLiteShell.value(db, "SELECT count(*) FROM skill_invocation;")
            #expect(count == "1" || count == "20001", "run \(run), \(generator): \(count) events after a kill at \(delay) s")
            if importer.wasKilled && count == "1" { killedMidImport += 1 }
            try expectSound(db, "import run \(run), \(generator), killed after \(delay) s")
        }
        #expect(killedMidImport >= 10, "only \(killedMidImport) of 20 imports were killed before committing, \(generator)")
    }

    /// An import into an empty log runs with the rollback journal (RollbackJournal): a kill
    /// mid-load leaves a hot journal, which the next command — a read-only `verify` first —
    /// must roll back, leaving the empty log in WAL mode.
    @Test func killedImportIntoAnEmptyLogRollsBackForReaders() throws {
        let directory = Scratch()
        let fixture = Repository.fixture("legacy/large.json")
        var duration = Double.infinity
        for attempt in 0..<2 {
            let db = directory.file("timing-\(attempt).db")
            #expect(try CLI.run(["migrate", "--db", db]).status == 0)
            let start = Date()
            #expect(try CLI.run(["import-json", fixture, "--db", db, "--timezone", "UTC"]).status == 0)
            duration = min(duration, max(Date().timeIntervalSince(start), 0.05))
            #expect(try SQLiteShell.value(db, "PRAGMA journal_mode;") == "wal")
        }
        var generator = SeededGenerator(seed: 0x5EED_0005)
        var hotJournals = 0
        for run in 0..<16 {
            let db = directory.file("empty-\(run).db")
            #expect(try CLI.run(["migrate", "--db", db]).status == 0)
            let importer = try RunningCLI(["import-json", fixture, "--db", db, "--timezone", "UTC"])
            // Every other run waits until the load has written pages into the file itself (it
            // grows past the migrated size: the journal is hot from then on; the load's window
            // is a small part of a debug build's import), then a few random milliseconds.
            let delay: Double
            if run % 2 == 0 {
                delay = Double.random(in: 0...(duration * 0.9), using: &generator)
            } else {
                let migratedSize = Self.fileSize(db)
                let deadline = Date().addingTimeInterval(60)
                while importer.process.isRunning && Date() < deadline && Self.fileSize(db) <= migratedSize {
                    Thread.sleep(forTimeInterval: 0.001)
                }
                delay = Double.random(in: 0...0.02, using: &generator)
            }
            Thread.sleep(forTimeInterval: delay)
            importer.kill()
            importer.wait()
            // Hot: a read-only connection cannot read the file until the journal is rolled back.
            let readOnly = try Tool.run("sqlite3", ["-batch", "-readonly", db], stdin: "SELECT count(*) FROM skill_invocation;")
            let hot = readOnly.status != 0
            #expect(!hot || readOnly.stderr.contains("readonly"), "run \(run): \(readOnly.stderr)")
            if hot { hotJournals += 1 }
            // A read-only command first: it must roll the journal back, not fail.
            let verify = try CLI.run(["verify", "--db", db, "--json"])
            #expect(verify.status == 0, "run \(run), \(generator), killed after \(delay) s: \(verify.stdout)\(verify.stderr)")
            let count = try SQLiteShell.value(db, "SELECT count(*) FROM skill_invocation;")
            #expect(count == "0" || count == "20000", "run \(run), \(generator): \(count) events after a kill at \(delay) s")
            // Rolling a hot journal back puts the file back in WAL mode; a kill with no hot
            // journal (before the load wrote, or between its commit and the switch back) may
            // leave rollback mode, which the next read-write open ends.
            let mode = try SQLiteShell.value(db, "PRAGMA journal_mode;")
            #expect(mode == "wal" || (!hot && mode == "delete"), "run \(run), \(generator): \(mode), hot journal: \(hot)")
            #expect(try CLI.run(["migrate", "--db", db]).status == 0)
            #expect(try SQLiteShell.value(db, "PRAGMA journal_mode;") == "wal", "run \(run), \(generator)")
            try expectSound(db, "empty-log import run \(run), \(generator), killed after \(delay) s")
        }
        #expect(hotJournals >= 4, "only \(hotJournals) of 16 kills left a hot journal, \(generator)")
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    @Test func killedRebuildLeavesTheOldOrTheNewProjections() throws {
        let directory = Scratch()
        let db = directory.file("rebuild.db")
        let input = directory.file("events.jsonl")
        try jsonlEvents(prefix: "r", count: 10_000, skills: 40).write(toFile: input, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["append", "--db", db, "--jsonl", input]).status == 0)
        #expect(try CLI.run(["audit", "checkpoint", "--db", db]).status == 0)
        // How long a whole rebuild takes here, at best (to spread the kills over it).
        var duration = Double.infinity
        for _ in 0..<3 {
            let start = Date()
            #expect(try CLI.run(["rebuild", "--db", db]).status == 0)
            duration = min(duration, max(Date().timeIntervalSince(start), 0.05))
        }
        var generator = SeededGenerator(seed: 0x5EED_0003)
        var killed = 0
        for run in 0..<20 {
            let rebuild = try RunningCLI(["rebuild", "--db", db])
            let delay = Double.random(in: 0...(duration * 0.9), using: &generator)
            Thread.sleep(forTimeInterval: delay)
            rebuild.kill()
            rebuild.wait()
            if rebuild.wasKilled { killed += 1 }
            try expectSound(db, "rebuild run \(run), \(generator), killed after \(delay) s")
        }
        #expect(killed >= 10, "only \(killed) of 20 rebuilds were killed before finishing, \(generator)")
        #expect(try SQLiteShell.value(db, "SELECT count(*) FROM skill_invocation;") == "10000")
    }
}
