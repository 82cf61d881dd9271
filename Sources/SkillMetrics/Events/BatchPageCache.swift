import GRDB

/// The writer's page cache while it appends batches into a log: 8 MiB instead of SQLite's
/// 2 MiB default.
///
/// A 1,000-event batch on a real-shaped log dirties ~1,300 pages (5 MiB): with the default
/// cache SQLite spilled dirty pages into the WAL in the middle of the batch and read them back
/// (50,000 `real` events in batches: ~1,100 reads a batch). Only the incremental batch path
/// asks for it, so a load into an empty log (the legacy import, whose peak RSS has a bar) keeps
/// the default; the connection keeps the size once set.
enum BatchPageCache {
    /// The cache size, in KiB.
    static let kibibytes = 8192

    /// Sets the connection's cache to ``kibibytes`` unless it is already.
    static func reserve(_ db: Database) throws {
        if try Int.fetchOne(db.cachedStatement(sql: "PRAGMA cache_size")) != -kibibytes {
            try db.execute(sql: "PRAGMA cache_size = -\(kibibytes)")
        }
    }
}
