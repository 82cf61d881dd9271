#ifndef CSQLITECONFIG_H
#define CSQLITECONFIG_H

#include <sqlite3.h>

/// sqlite3_db_config(SQLITE_DBCONFIG_ENABLE_TRIGGER): Swift cannot call the variadic function.
/// `enable` is 1 to enable the connection's triggers, 0 to disable them, -1 to leave them as
/// they are. Returns SQLite's result code; `*enabled` receives the setting after the call.
static inline int skill_metrics_enable_triggers(sqlite3 *db, int enable, int *enabled) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, enable, enabled);
}

/// The name of the VFS `skill_metrics_wal_coalescing_enable` registers.
#define SKILL_METRICS_WAL_COALESCING_VFS "skill-metrics-wal-coalescing"

/// Gathers the WAL writes of the database at `path` into large writes from now on
/// (WALWriteCoalescing.c). The first call registers the VFS that does it as the process's
/// default; it forwards every other file untouched to the VFS that was the default before.
/// Returns SQLite's result code.
int skill_metrics_wal_coalescing_enable(const char *path);

/// The counts of an enabled database's WAL (all its connections in this process): writes
/// SQLite asked for, writes passed on to the default VFS, reads answered from a buffer.
/// SQLITE_NOTFOUND when `path` was not enabled.
int skill_metrics_wal_coalescing_counters(const char *path, sqlite3_int64 *requested, sqlite3_int64 *issued,
                                          sqlite3_int64 *readsFromBuffer);

#endif
