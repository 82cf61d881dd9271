import Foundation
import SkillMetrics
import Synchronization
import Testing

/// Acceptance 1: many writers at once lose nothing and report no error.
@Suite("Concurrent writers (CLI and library)")
struct ConcurrencyCLITests {
    /// 8 writers × 2,000 events, one transaction per event: 4 `skill-metrics append --jsonl
    /// --batch-size 1` processes, plus 4 threads in this process (two stores, two threads on
    /// each, so that threads share a connection pool and pools compete as processes do).
    @Test func fourProcessesAndFourThreadsAppend16000EventsExactly() throws {
        let directory = Scratch()
        let db = directory.file("concurrent.db")
        let perWriter = 2_000
        // Create and migrate once, so every writer starts on the same schema.
        #expect(try CLI.run(["migrate", "--db", db]).status == 0)
        var inputs: [String] = []
        for process in 0..<4 {
            let path = directory.file("p\(process).jsonl")
            try jsonlEvents(prefix: "proc\(process)", count: perWriter).write(toFile: path, atomically: true, encoding: .utf8)
            inputs.append(path)
        }
        let stores = [try SkillMetricsStore(path: db), try SkillMetricsStore(path: db)]
        let threadErrors = Mutex<[String]>([])
        let processes = try inputs.map { input in
            try RunningCLI(["append", "--db", db, "--jsonl", input, "--batch-size", "1", "--json"])
        }
        let group = DispatchGroup()
        for thread in 0..<4 {
            let store = stores[thread % 2]
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                for index in 0..<perWriter {
                    let event = SkillInvocation(
                        id: "thread\(thread)-\(index)", skillName: "skill-\(index % 5)",
                        invokedAt: Timestamp(microsecondsSinceEpoch: 1_770_000_000_000_000 + Int64(index)),
                        workflowPath: "t\(thread)", completed: index % 3 != 0,
                        durationSeconds: Double(index % 11) / 4, sessionID: "ts\(index % 4)",
                        followUpActions: ["z"])
                    do {
                        let result = try store.append(event)
                        if result.appended != 1 {
                            threadErrors.withLock { $0.append("thread \(thread) event \(index): not appended") }
                        }
                    } catch {
                        threadErrors.withLock { $0.append("thread \(thread) event \(index): \(error)") }
                        return
                    }
                }
            }
        }
        group.wait()
        for process in processes {
            let status = process.wait()
            #expect(status == 0)
            #expect(process.stderr.isEmpty, "\(process.stderr)")
            #expect(process.stdoutLines.contains { $0.contains("\"appended\": \(perWriter)") })
        }
        #expect(threadErrors.withLock { $0 }.isEmpty)
        #expect(try SQLiteShell.value(db, "SELECT count(*) FROM skill_invocation;") == "16000")
        #expect(try SQLiteShell.value(db, "SELECT count(DISTINCT id) FROM skill_invocation;") == "16000")
        #expect(try SQLiteShell.value(db, "SELECT max(seq) FROM skill_invocation;") == "16000")
        #expect(try SQLiteShell.value(db, "SELECT sum(total_invocations) FROM skill_metrics;") == "16000")
        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("16000 events"))
        #expect(try CLI.run(["audit", "checkpoint", "--db", db]).status == 0)
        #expect(try CLI.run(["health", "--db", db]).status == 0)
    }

    /// Batches from several processes at once: each process holds its batch's WAL frames in
    /// memory until the commit (WALWriteCoalescing), while the others append, checkpoint and
    /// restart the same log between its transactions.
    @Test func fourProcessesAppendBatchesExactly() throws {
        let directory = Scratch()
        let db = directory.file("batches.db")
        let perWriter = 6_000
        #expect(try CLI.run(["migrate", "--db", db]).status == 0)
        let processes = try (0..<4).map { process -> RunningCLI in
            let input = try directory.write("b\(process).jsonl", jsonlEvents(prefix: "batch\(process)", count: perWriter, skills: 40))
            return try RunningCLI(["append", "--db", db, "--jsonl", input, "--batch-size", String(100 + 150 * process), "--json"])
        }
        for process in processes {
            let status = process.wait()
            #expect(status == 0)
            #expect(process.stderr.isEmpty, "\(process.stderr)")
            #expect(process.stdoutLines.contains { $0.contains("\"appended\": \(perWriter)") })
        }
        #expect(try SQLiteShell.value(db, "PRAGMA integrity_check;") == "ok")
        #expect(try SQLiteShell.value(db, "SELECT count(DISTINCT id), max(seq) FROM skill_invocation;") == "24000|24000")
        #expect(try SQLiteShell.value(db, "SELECT sum(total_invocations) FROM skill_metrics;") == "24000")
        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(try CLI.run(["audit", "checkpoint", "--db", db]).status == 0)
    }

    /// Readers keep reading while writers append (WAL): no reader error, and every read sees a
    /// consistent snapshot (projection totals equal the event count of the same snapshot).
    /// A load into an empty log may hold the file in rollback-journal mode with its exclusive
    /// lock for longer than the 5 s busy timeout (a 1M-event pull clone takes ~7 s): a command
    /// opening the file meanwhile must wait and retry as a write does, not fail. Here python3
    /// holds such a lock for 6.5 s.
    @Test func opensWaitForALoadRunningWithTheRollbackJournal() throws {
        let directory = Scratch()
        let db = directory.file("held.db")
        #expect(try CLI.run(["append", "--db", db, "--skill", "before"]).status == 0)
        let holder = try RunningCLI(["-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            assert c.execute('PRAGMA journal_mode = DELETE').fetchone()[0] == 'delete'
            c.execute('BEGIN EXCLUSIVE')
            print('ready', flush=True); time.sleep(6.5)
            c.execute('COMMIT'); c.execute('PRAGMA journal_mode = WAL'); c.close()
            print('released', flush=True)
            """, db], program: "python3")
        #expect(holder.waitFor(seconds: 30) { holder.stdoutLines.contains("ready") }, "python3: \(holder.stderr)")
        let writer = try RunningCLI(["append", "--db", db, "--skill", "during"])
        let reader = try RunningCLI(["summary", "--db", db, "--json"])
        let writerStatus = writer.wait()
        let readerStatus = reader.wait()
        _ = holder.wait()
        #expect(holder.stdoutLines.contains("released"), "python3: \(holder.stderr)")
        #expect(writerStatus == 0, "append: \(writer.stderr)")
        #expect(readerStatus == 0, "summary: \(reader.stderr)")
        #expect(try SQLiteShell.value(db, "SELECT count(*) FROM skill_invocation;") == "2")
        #expect(try SQLiteShell.value(db, "PRAGMA journal_mode;") == "wal")
        #expect(try CLI.run(["verify", "--db", db]).status == 0)
    }

    @Test func readersDoNotBlockOrSeeTornState() throws {
        let directory = Scratch()
        let db = directory.file("readers.db")
        let input = directory.file("w.jsonl")
        try jsonlEvents(prefix: "w", count: 600).write(toFile: input, atomically: true, encoding: .utf8)
        let store = try SkillMetricsStore(path: db)
        let writer = try RunningCLI(["append", "--db", db, "--jsonl", input, "--batch-size", "1"])
        var reads = 0
        var torn = 0
        while writer.process.isRunning || reads == 0 {
            // verify folds the log and reads the projections on one snapshot.
            let verify = try store.verify()
            if !verify.isConsistent { torn += 1 }
            reads += 1
        }
        #expect(writer.wait() == 0)
        #expect(torn == 0)
        #expect(reads > 0)
    }
}
