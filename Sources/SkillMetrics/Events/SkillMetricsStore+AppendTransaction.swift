import GRDB

extension SkillMetricsStore {
    /// ``write(_:)`` for the append path: the same IMMEDIATE transaction and busy retries, with
    /// BEGIN and COMMIT run from cached statements. (GRDB's `write` prepares both statements
    /// again on every call: about a fifth of a single-event append's instructions outside
    /// SQLite's own work, see docs/performance.md.)
    ///
    /// Only for bodies that swallow no error except SQLITE_CONSTRAINT, which ends a statement,
    /// never the transaction. As in GRDB, a transaction that SQLite rolled back on its own is
    /// reported as SQLITE_ABORT instead of being committed, and any error rolls back.
    ///
    /// The writer's bulk mode (``WriterBulkMode``) is left first unless `keepingBulkMode`,
    /// which is for a `body` that is one `EventLog.appendBatch(…, keepingBulkMode: true)`.
    func appendTransaction<T>(keepingBulkMode: Bool = false, _ body: (Database) throws -> T) throws -> T {
        try withBusyRetry {
            try pool.writeWithoutTransaction { db in
                if !keepingBulkMode { try WriterBulkMode.leave(db) }
                return try Self.immediateTransaction(db, body)
            }
        }
    }

    /// ``appendTransaction(_:)`` for a load into a log with no event
    /// (``writeWithoutTransactionForLoad(_:)``), with temporary storage in files for the
    /// transaction (``TemporaryStorage``): for loads that re-create the event indexes. With
    /// temporary storage in memory SQLite's sorter keeps every record of a CREATE INDEX in one
    /// list and merge-sorts it at the end instead of sorting cache-sized runs and merging them
    /// (a 1M-event clone's indexes: 3.45 s that way, 2.42 s with files). Switched before BEGIN.
    func writeWithTemporaryFiles<T>(_ body: (Database) throws -> T) throws -> T {
        try writeWithoutTransactionForLoad { db in
            try TemporaryStorage.inFiles(db) { try Self.immediateTransaction(db, body) }
        }
    }

    /// ``writeWithoutTransaction(_:)`` for a load that may go into a log with no event: when
    /// the log is empty, `body` runs with the rollback journal if SQLite grants the switch at
    /// once (``RollbackJournal``: the load's pages are then written once, not into the WAL and
    /// again at the checkpoint). This store's idle reader connections are closed first, as the
    /// switch needs the writer to be the file's only connection. `body` opens and ends its
    /// own transactions.
    func writeWithoutTransactionForLoad<T>(_ body: (Database) throws -> T) throws -> T {
        pool.invalidateReadOnlyConnections()
        return try writeWithoutTransaction { db in
            guard try Self.maxSeq(db) == 0 else { return try body(db) }
            return try RollbackJournal.during(db) { try body(db) }
        }
    }

    /// `body` between BEGIN IMMEDIATE and COMMIT from cached statements; any error rolls back.
    private static func immediateTransaction<T>(_ db: Database, _ body: (Database) throws -> T) throws -> T {
        try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            let result = try body(db)
            guard db.isInsideTransaction else {
                throw DatabaseError(resultCode: .SQLITE_ABORT, message: "Transaction was aborted")
            }
            try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
            return result
        } catch {
            try? db.rollback()
            throw error
        }
    }

    /// ``append(_:in:)`` for events the caller has already validated (validation is not
    /// repeated per event inside the write transaction).
    static func appendValidated(_ events: [SkillInvocation], in db: Database, keepingBulkMode: Bool = false) throws -> AppendResult {
        try EventLog.appendBatch(events, in: db, validated: true, keepingBulkMode: keepingBulkMode)
    }
}
