import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// A store's WAL frames are gathered into large writes (WALWriteCoalescing): what another
/// process reads through SQLite's own VFS afterwards must be exactly what was committed,
/// including when the page cache spills frames mid-transaction and reads them back, rewrites
/// them, or rolls the transaction back.
@Suite("WAL write coalescing")
struct WALWriteCoalescingTests {
    @Test("a batch's frames go out in a few large writes, and another process reads exactly what was committed")
    func batchesGoOutInLargeWrites() throws {
        let database = try TestDatabase()
        let store = database.store
        try store.append(WriterBulkModeTests.events(0, 100))
        let before = try #require(WALWriteCoalescing.counters(forDatabaseAt: database.path))
        try store.append(WriterBulkModeTests.events(100, 1_000))
        try store.append(WriterBulkModeTests.events(1_100, 1_000))
        let after = try #require(WALWriteCoalescing.counters(forDatabaseAt: database.path))
        let requested = after.requested - before.requested
        let issued = after.issued - before.issued
        // Two writes a frame asked for; the frames of a commit go out in 64 KiB pieces.
        #expect(requested >= 200, "\(requested) WAL writes asked for")
        #expect(issued * 10 <= requested, "\(issued) writes issued for \(requested) asked for")
        // The sqlite3 shell is another process on SQLite's own VFS.
        #expect(try ExternalTool.sqlite(database.path, "PRAGMA integrity_check;") == "ok\n")
        #expect(try ExternalTool.sqlite(database.path, "SELECT count(*), sum(seq) FROM skill_invocation;")
                == "2100|\(2_100 * 2_101 / 2)\n")
        #expect(try store.verify().isConsistent)
    }

    @Test("pages spilled mid-transaction are read back and rewritten from the buffer; a rolled-back transaction leaves nothing")
    func spilledFramesAndRollbacks() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("spill.db")
        #expect(WALWriteCoalescing.enable(forDatabaseAt: path))
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // 20 pages: every transaction below spills dirty pages into the WAL and reads
            // them back.
            try db.execute(sql: "PRAGMA cache_size = 20")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        _ = try queue.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
            try db.execute(sql: "CREATE INDEX t_payload ON t (payload)")
        }
        var random = SeededRandom()
        let ids = (0..<3_000).map { _ in Int.random(in: 1...1_000_000_000, using: &random) }
        let distinct = Array(Set(ids))
        let before = try #require(WALWriteCoalescing.counters(forDatabaseAt: path))
        try queue.write { db in
            // Random keys: each insert lands on a random leaf of both B-trees.
            for id in distinct {
                try db.execute(sql: "INSERT INTO t VALUES (?, printf('%0400d', ?))", arguments: [id, id])
            }
            // Rows written earlier in the same transaction, changed again.
            try db.execute(sql: "UPDATE t SET payload = printf('u%0399d', id) WHERE id % 7 = 0")
        }
        // A transaction as large, rolled back.
        struct Abandon: Error {}
        #expect(throws: Abandon.self) {
            try queue.write { db in
                for id in distinct { try db.execute(sql: "UPDATE t SET payload = 'x' || payload WHERE id = ?", arguments: [id]) }
                try db.execute(sql: "INSERT INTO t VALUES (0, 'never')")
                throw Abandon()
            }
        }
        try queue.write { db in try db.execute(sql: "INSERT INTO t VALUES (-1, 'last')") }
        let after = try #require(WALWriteCoalescing.counters(forDatabaseAt: path))
        #expect(after.readsFromBuffer > before.readsFromBuffer, "\(random): no spilled frame was read back from a buffer")
        // Most writes here rewrite frames spilled earlier, at their own places; the appended
        // frames are still gathered.
        #expect(after.issued < after.requested, "\(random): \(after.issued) writes for \(after.requested)")
        try queue.close()
        // Read by another process, through SQLite's own VFS, from the WAL (not checkpointed:
        // the queue's connection closed, so the shell's open recovers the WAL).
        #expect(try ExternalTool.sqlite(path, "PRAGMA integrity_check;") == "ok\n", "\(random)")
        let expected = distinct.count + 1
        #expect(try ExternalTool.sqlite(path, """
            SELECT count(*) FROM t WHERE id = -1 AND payload = 'last'
                OR id > 0 AND payload = CASE WHEN id % 7 = 0 THEN printf('u%0399d', id) ELSE printf('%0400d', id) END;
            """) == "\(expected)\n", "\(random)")
        #expect(try ExternalTool.sqlite(path, "SELECT count(*) FROM t;") == "\(expected)\n", "\(random)")
    }

    @Test("a database that was not enabled goes straight through to SQLite's VFS")
    func otherDatabasesAreNotGathered() throws {
        let directory = TemporaryDirectory()
        // Another database enabled first, so the VFS is the process's default below.
        #expect(WALWriteCoalescing.enable(forDatabaseAt: directory.file("enabled.db")))
        let path = directory.file("plain.db")
        let queue = try DatabaseQueue(path: path)
        _ = try queue.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY)")
            try db.execute(sql: "INSERT INTO t VALUES (1)")
        }
        #expect(WALWriteCoalescing.counters(forDatabaseAt: path) == nil)
        #expect(try ExternalTool.sqlite(path, "SELECT count(*) FROM t;") == "1\n")
    }
}
