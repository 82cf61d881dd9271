import Foundation
import Testing

/// A write the file system refuses in the middle of a batch: the WAL frames a connection held
/// back (WALWriteCoalescing) fail as they go out, and SQLite must see that failure as the
/// batch's own: the batch rolled back, every batch before it kept, nothing half-written.
@Suite("A WAL write the file system refuses (CLI)")
struct WriteFailureCLITests {
    @Test func aRefusedWALWriteRollsTheBatchBackAndKeepsTheOthers() throws {
        let directory = Scratch()
        let db = try seededDatabase(directory, "limited.db")
        let count = 40_000
        let input = try directory.write("big.jsonl", jsonlEvents(prefix: "big", count: count, skills: 40))
        // RLIMIT_FSIZE of 6,000 KiB: the WAL reaches it within a few batches, well before the
        // 10,000-frame checkpoint would restart it; SIGXFSZ ignored, so the write fails with
        // EFBIG instead of killing the process.
        let script = """
            ulimit -f 6000; trap '' XFSZ
            exec "$0" append --db "$1" --jsonl "$2" --batch-size 1000 --echo-commits
            """
        let limited = try CLI.run(["-c", script, CLI.executable, db, input], executable: "/bin/bash")
        #expect(limited.status != 0, "the append was not stopped by the size limit: \(limited.stdout)")
        #expect(limited.stderr.contains("rolled back"), "\(limited.stderr)")
        let acknowledged = committedCounts(limited.stdout.split(separator: "\n")).max() ?? 0
        #expect(acknowledged > 0 && acknowledged < count, "\(acknowledged) acknowledged: \(limited.stderr)")
        #expect(try SQLiteShell.value(db, "PRAGMA integrity_check;") == "ok")
        #expect(try SQLiteShell.value(db, "SELECT count(*) FROM skill_invocation WHERE id LIKE 'big-%';") == String(acknowledged))
        #expect(try CLI.run(["verify", "--db", db]).status == 0)
        #expect(try CLI.run(["audit", "verify", "--db", db]).status == 0)
        // Without the limit the same file completes: the acknowledged events are skipped.
        let rest = try CLI.run(["append", "--db", db, "--jsonl", input, "--batch-size", "1000"])
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(try SQLiteShell.value(db, "SELECT count(*) FROM skill_invocation;") == String(200 + count))
        #expect(try CLI.run(["verify", "--db", db]).status == 0)
    }
}
