import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// A load into an empty log runs with SQLite's rollback journal when the writer is the file's
/// only connection (RollbackJournal): the WAL must be back afterwards whatever happened, a
/// file someone else has open must keep the WAL, and a read-only open must cope with the hot
/// journal a killed load leaves.
@Suite("Rollback journal for loads into an empty log")
struct RollbackJournalTests {
    static func journalMode(_ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "PRAGMA journal_mode")
    }

    static func eventCount(_ store: SkillMetricsStore) throws -> Int {
        try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") ?? -1 }
    }

    @Test("an empty log's load runs with the rollback journal; the WAL and the busy timeout are back after it")
    func emptyLogLoad() throws {
        let database = try TestDatabase()
        #expect(try Self.eventCount(database.store) == 0, "a reader connection is open before the load")
        let during = try database.store.writeWithoutTransactionForLoad { db in try Self.journalMode(db) }
        #expect(during == "delete")
        let after = try database.store.writeWithoutTransaction { db -> (String?, Int?) in
            (try Self.journalMode(db), try Int.fetchOne(db, sql: "PRAGMA busy_timeout"))
        }
        #expect(after.0 == "wal")
        #expect(after.1 == 5_000)
        #expect(try Self.eventCount(database.store) == 0, "readers work again")
    }

    @Test("a log with events, or a file another connection has open, keeps the WAL")
    func keepsTheWAL() throws {
        let withEvents = try TestDatabase()
        try withEvents.store.append(SkillInvocation(
            id: "e1", skillName: "s", invokedAt: ts("2030-01-01T00:00:00Z"), durationSeconds: 1, sessionID: "x"))
        #expect(try withEvents.store.writeWithoutTransactionForLoad { db in try Self.journalMode(db) } == "wal")

        let shared = try TestDatabase()
        let other = try DatabaseQueue(path: shared.path)
        #expect(try other.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") } == 0)
        let during = try shared.store.writeWithoutTransactionForLoad { db -> (String?, Int?) in
            (try Self.journalMode(db), try Int.fetchOne(db, sql: "PRAGMA busy_timeout"))
        }
        #expect(during.0 == "wal", "another connection holds the file")
        #expect(during.1 == 5_000, "the busy timeout is back for the load itself")
        try other.close()
    }

    @Test("a load that fails in rollback mode changes nothing and leaves the WAL")
    func failedLoad() throws {
        struct Refused: Error {}
        let database = try TestDatabase()
        #expect(throws: Refused.self) {
            try database.store.writeWithoutTransactionForLoad { db in
                try db.inTransaction(.immediate) {
                    #expect(try Self.journalMode(db) == "delete")
                    _ = try SkillMetricsStore.appendValidated([SkillInvocation(
                        id: "e1", skillName: "s", invokedAt: ts("2030-01-01T00:00:00Z"), durationSeconds: 1, sessionID: "x")], in: db)
                    throw Refused()
                }
            }
        }
        #expect(try Self.eventCount(database.store) == 0)
        #expect(try database.store.writeWithoutTransaction { db in try Self.journalMode(db) } == "wal")
        #expect(try database.store.verify().isConsistent)
    }

    /// The state a load killed mid-way leaves: the file with some of the load's pages and a hot
    /// journal holding what they replaced. Copied while a rollback-mode transaction that has
    /// spilled pages to the file is still open.
    static func crashedLoad(into directory: TemporaryDirectory, importing fixture: String) throws -> String {
        let source = directory.file("live.db")
        _ = try SkillMetricsStore(path: source)
        let crashed = directory.file("crashed.db")
        let queue = try DatabaseQueue(path: source)
        try queue.writeWithoutTransaction { db in
            #expect(try Self.journalMode(db) == "wal")
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") == "delete")
            try db.execute(sql: "PRAGMA cache_size = 10")
            try db.execute(sql: "BEGIN IMMEDIATE")
            let document = try LegacyDocument.load(path: PackagePaths.fixture(fixture))
            for (position, entry) in document.invocations.enumerated().prefix(2_000) {
                let event = try LegacyEventBuilder.event(
                    for: entry, position: position, dialect: document.dialect, zone: try LegacyTimeZone(identifier: "UTC"))
                _ = try SkillMetricsStore.appendValidated([event], in: db)
            }
            for suffix in ["", "-journal"] {
                try FileManager.default.copyItem(atPath: source + suffix, toPath: crashed + suffix)
            }
            try db.execute(sql: "ROLLBACK")
        }
        try queue.close()
        return crashed
    }

    @Test("a read-only open rolls back the hot journal of a killed load")
    func readOnlyOpenAfterAKilledLoad() throws {
        let directory = TemporaryDirectory()
        let crashed = try Self.crashedLoad(into: directory, importing: "legacy/large.json")
        #expect(FileManager.default.fileExists(atPath: crashed + "-journal"))
        var options = SkillMetricsStore.Options()
        options.access = .readOnly
        let store = try SkillMetricsStore(path: crashed, options: options)
        #expect(try Self.eventCount(store) == 0, "the load's events are rolled back")
        #expect(try store.verify().isConsistent)
        #expect(try store.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") } == ["ok"])
        #expect(!FileManager.default.fileExists(atPath: crashed + "-journal"))
        #expect(try store.read { db in try Self.journalMode(db) } == "wal", "the file is back in WAL mode")
    }
}
