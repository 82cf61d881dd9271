import CSQLiteConfig
import GRDB

/// The writer connection's bulk mode: its triggers off (`SQLITE_DBCONFIG_ENABLE_TRIGGER`) and
/// its CHECK constraints ignored, for EventLog's typed batches and the incremental fold that
/// follows them in the same transaction.
///
/// It replaces, for those batches, dropping and re-creating the projection and insert guard
/// triggers around each one: that DDL changed the schema twice a batch, so SQLite parsed the
/// trigger texts again and every statement of the batch was prepared again (with the CHECK
/// pragma's toggles, ~16 % of a 1,000-event batch's instructions on `real`). A connection
/// setting changes nothing in the file and nothing other connections see: a plain INSERT by
/// any other client still runs every trigger and CHECK.
///
/// Switching a setting expires the connection's prepared statements (SQLite prepares each
/// again at its next use), so the mode is left lazily: a batch that asks to keep it
/// (`store.append(_:)`, `append --jsonl`) leaves it on, and the next batch finds its
/// statements still prepared. Every other way onto the writer — ``SkillMetricsStore/write(_:)``,
/// ``SkillMetricsStore/writeWithoutTransaction(_:)``, a transaction that does not keep it,
/// ``MigrationRunner``'s migrate and undo — calls ``leave(_:)`` first, so no other statement
/// ever runs in it (`WriterBulkModeTests`; an undo that ran with the triggers off lost the
/// percentiles its migration backfills).
///
/// Only for the schemas whose triggers are all in ``knownTriggers`` (V10 and later): with the
/// triggers off, the batch must not need any of them. The projection and insert guard
/// triggers are the ones a bulk batch suspends anyway (its typed INSERTs meet the guards by
/// construction, see ``BulkProjectionLoad/suspendingInsertGuards(_:_:)``); the immutability
/// triggers guard UPDATE and DELETE, which a batch never runs; and the fold's writes fire
/// none of the others (it never writes `percentile_reposition`, the view or the audit
/// tables). The one CHECK of a projection table (`skill_key_count.field`) holds by
/// construction of the fold's enum. A schema with any other trigger — V5–V9's search index
/// and percentile seek triggers, or a trigger a user added — keeps the DDL suspension.
enum WriterBulkMode {
    /// The triggers of schemas V10 and V11, none of which a bulk batch needs (see above).
    static let knownTriggers: Set<String> = [
        "skill_invocation_project", "skill_invocation_check_insert", "skill_invocation_check_unfinished",
        "skill_invocation_no_update", "skill_invocation_no_delete",
        "skill_totals_percentile_reposition", "skill_metrics_update",
        "audit_checkpoint_no_update", "audit_checkpoint_no_delete",
        "audit_event_hash_no_update", "audit_event_hash_no_delete",
    ]

    /// True when every trigger of the schema is one of ``knownTriggers``.
    static func isAvailable(_ db: Database) throws -> Bool {
        let statement = try db.cachedStatement(sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'")
        for name in try String.fetchAll(statement) where !knownTriggers.contains(name) {
            return false
        }
        return true
    }

    /// True when the connection is in bulk mode (its triggers are off).
    static func isOn(_ db: Database) throws -> Bool {
        try triggersEnabled(db, setting: -1) == false
    }

    /// Switches bulk mode on (nothing when it is on already).
    static func enter(_ db: Database) throws {
        guard try !isOn(db) else { return }
        try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
        guard try triggersEnabled(db, setting: 0) == false else {
            try? db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
            throw SkillMetricsError.database(operation: "bulk append", message: "SQLite kept the connection's triggers on")
        }
    }

    /// Switches bulk mode off (nothing when it is off).
    static func leave(_ db: Database) throws {
        guard try isOn(db) else { return }
        // The CHECKs first: should that fail, the triggers are still off and the next call
        // tries again.
        try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        guard try triggersEnabled(db, setting: 1) else {
            throw SkillMetricsError.database(operation: "bulk append", message: "SQLite did not switch the connection's triggers back on")
        }
    }

    /// Applies `setting` (1 on, 0 off, -1 unchanged) and returns whether triggers are enabled after.
    private static func triggersEnabled(_ db: Database, setting: CInt) throws -> Bool {
        guard let connection = db.sqliteConnection else {
            throw SkillMetricsError.database(operation: "bulk append", message: "the writer connection is closed")
        }
        var enabled: CInt = 1
        let code = skill_metrics_enable_triggers(connection, setting, &enabled)
        guard code == SQLITE_OK else {
            throw SkillMetricsError.database(
                operation: "bulk append", message: "sqlite3_db_config(SQLITE_DBCONFIG_ENABLE_TRIGGER) returned \(code)")
        }
        return enabled != 0
    }
}
