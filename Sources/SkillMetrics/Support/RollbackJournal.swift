import GRDB

/// SQLite's rollback journal instead of the WAL for one load into a log with no event.
///
/// In WAL mode every page a load writes goes into the WAL first and into the database file
/// again at the checkpoint that follows the commit: a 100k-event legacy import writes ~40 MB
/// twice (the checkpoint ~110 ms of its ~1 s), a 1M-event `pull` clone ~290 MB twice. With the
/// rollback journal the new pages go into the file once, and the journal keeps only the pages
/// that existed before, which for an empty log are the schema's few. A crash or an error still
/// leaves the file as it was before the load: SQLite rolls the journal back.
///
/// SQLite changes the journal mode only for a connection that is the file's only one, so the
/// switch is tried without waiting (the busy timeout off for that statement): when a reader of
/// this process or another process has the file open, the load keeps the WAL, exactly as
/// before. While the load runs in rollback mode, other connections' reads wait for its commit
/// (their busy timeout) instead of reading the empty log beside it. The WAL mode is switched back
/// on after the load; should that fail (another process opened the file meanwhile), the next
/// read-write open of a store switches it back (GRDB's pool sets WAL on its writer).
enum RollbackJournal {
    /// Runs `body` — which opens and ends its own transactions — with the rollback journal when
    /// SQLite grants the switch at once, with the WAL otherwise. Call it outside a transaction.
    static func during<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        let switched = try switchToRollbackJournal(db)
        defer {
            // Back to the WAL (it waits for other connections as any statement does); a failure
            // leaves the file in rollback mode until the next read-write open, which is correct,
            // only slower for concurrent readers.
            if switched { _ = try? String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
        }
        return try body()
    }

    /// `PRAGMA journal_mode = DELETE` with the busy timeout off: true when SQLite switched,
    /// false when another connection holds the file (SQLITE_BUSY / SQLITE_LOCKED).
    private static func switchToRollbackJournal(_ db: Database) throws -> Bool {
        guard !db.isInsideTransaction else { return false }
        let timeout = try Int.fetchOne(db, sql: "PRAGMA busy_timeout") ?? 0
        try db.execute(sql: "PRAGMA busy_timeout = 0")
        defer { try? db.execute(sql: "PRAGMA busy_timeout = \(timeout)") }
        do {
            return try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") == "delete"
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            return false
        }
    }
}
