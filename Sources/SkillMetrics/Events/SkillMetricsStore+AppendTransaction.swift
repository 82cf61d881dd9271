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
    func appendTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        try withBusyRetry {
            try pool.writeWithoutTransaction { db in
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
        }
    }

    /// ``append(_:in:)`` for events the caller has already validated (validation is not
    /// repeated per event inside the write transaction).
    static func appendValidated(_ events: [SkillInvocation], in db: Database) throws -> AppendResult {
        try EventLog.appendBatch(events, in: db, validated: true)
    }
}
