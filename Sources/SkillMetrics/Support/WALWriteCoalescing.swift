import CSQLiteConfig

/// Gathers a store's WAL frame writes into large writes: a VFS over SQLite's default one
/// (`CSQLiteConfig/WALWriteCoalescing.c`).
///
/// SQLite writes each WAL frame as two system calls (its 24-byte header, then the page), so a
/// 1,000-event batch that dirties ~1,000 pages made ~2,000 `pwrite`s. With this, the frames of
/// a transaction are kept in a 1 MiB buffer and written out in pieces of 64 KiB when the commit
/// frame is complete, before SQLite publishes the commit in the wal-index; an error writing them
/// fails the commit as it would have failed the frame's own write. Frames not committed are
/// never visible to another connection, and a process killed while holding some leaves the WAL
/// as if it had been killed before writing them.
///
/// The first call registers the VFS as the process's default. It forwards every file of a
/// database not enabled here, and everything but the WAL writes of one that is, untouched to
/// the VFS that was the default before, so other SQLite users in the process are unaffected.
enum WALWriteCoalescing {
    /// Gathers the WAL writes of the database at `path` for connections opened from now on.
    /// False when SQLite refused to register the VFS: the store then writes as SQLite does.
    @discardableResult
    static func enable(forDatabaseAt path: String) -> Bool {
        skill_metrics_wal_coalescing_enable(path) == 0
    }

    /// Counts of the WAL writes of an enabled database, over all its connections in this process.
    struct Counters: Sendable, Equatable {
        /// Writes SQLite asked for.
        var requested: Int64
        /// Writes passed on to the default VFS.
        var issued: Int64
        /// Reads of frames still in a buffer (pages the page cache spilled and read back).
        var readsFromBuffer: Int64
    }

    /// The counters of the database at `path`; nil when it was not enabled.
    static func counters(forDatabaseAt path: String) -> Counters? {
        var requested: Int64 = 0
        var issued: Int64 = 0
        var readsFromBuffer: Int64 = 0
        guard skill_metrics_wal_coalescing_counters(path, &requested, &issued, &readsFromBuffer) == 0 else {
            return nil
        }
        return Counters(requested: requested, issued: issued, readsFromBuffer: readsFromBuffer)
    }
}
