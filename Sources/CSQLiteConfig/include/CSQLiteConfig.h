#ifndef CSQLITECONFIG_H
#define CSQLITECONFIG_H

#include <sqlite3.h>

/// sqlite3_db_config(SQLITE_DBCONFIG_ENABLE_TRIGGER): Swift cannot call the variadic function.
/// `enable` is 1 to enable the connection's triggers, 0 to disable them, -1 to leave them as
/// they are. Returns SQLite's result code; `*enabled` receives the setting after the call.
static inline int skill_metrics_enable_triggers(sqlite3 *db, int enable, int *enabled) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, enable, enabled);
}

#endif
