import GRDB

/// SQLite's temporary storage (`PRAGMA temp_store`) switched to files for one piece of work.
///
/// Stores keep it in memory; two kinds of work want files: loads that re-create the event
/// indexes (the sorter then sorts cache-sized runs and merges them) and migrations that drop or
/// rewrite a large table (the statement journal of the pages they free stays on disk).
enum TemporaryStorage {
    /// Runs `body` with temporary storage in files and restores the connection's setting after.
    /// Call it outside a transaction: SQLite refuses the switch inside one once the connection
    /// has opened its temporary schema, as GRDB's introspection does.
    static func inFiles<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        let previous = try Int.fetchOne(db, sql: "PRAGMA temp_store") ?? 0
        try db.execute(sql: "PRAGMA temp_store = FILE")
        defer { try? db.execute(sql: "PRAGMA temp_store = \(previous)") }
        return try body()
    }
}
