#include "CSQLiteBaseline.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define SMB_HAVE_CALLGRIND 1
#endif
#endif

static int profile_insert_loop = 0;

void smb_profile_insert_loop(int enabled) {
    profile_insert_loop = enabled;
}

void smb_profile_start(void) {
#ifdef SMB_HAVE_CALLGRIND
    CALLGRIND_TOGGLE_COLLECT;
#endif
}

void smb_profile_stop(void) {
#ifdef SMB_HAVE_CALLGRIND
    CALLGRIND_TOGGLE_COLLECT;
#endif
}

static const long long base_seconds = 1767225600LL; /* 2026-01-01T00:00:00Z */

void smb_make_event(const char *id_prefix, long long index, smb_event *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s-%012lld", id_prefix, index);
    snprintf(out->skill_name, sizeof out->skill_name, "skill-%02lld", index % 50);

    long long micros = (index * 7919) % 1000000;
    long long seconds = base_seconds + index * 30;
    out->invoked_at_us = seconds * 1000000LL + micros;
    time_t t = (time_t)seconds;
    struct tm fields;
    gmtime_r(&t, &fields);
    char head[24];
    strftime(head, sizeof head, "%Y-%m-%dT%H:%M:%S", &fields);
    snprintf(out->invoked_at, sizeof out->invoked_at, "%s.%06lldZ", head, micros);

    static const char *const paths[3] = {"quick", "comprehensive", "debug"};
    if (index % 4 != 3) {
        out->has_workflow_path = 1;
        snprintf(out->workflow_path, sizeof out->workflow_path, "%s", paths[index % 4]);
    }
    out->completed = index % 10 != 0;
    if (index % 20 != 5) {
        out->has_duration = 1;
        out->duration_seconds = (double)((index * 37) % 20000) / 1000.0 + 0.001;
    }
    if (index % 10 == 0) {
        out->has_error_type = 1;
        snprintf(out->error_type, sizeof out->error_type, "TimeoutError");
    } else if (index % 25 == 3) {
        out->has_error_type = 1;
        snprintf(out->error_type, sizeof out->error_type, "ValueError");
    }
    if (index % 3 != 2) {
        out->has_session_id = 1;
        snprintf(out->session_id, sizeof out->session_id, "session-%04lld", index % 1000);
    }
    if (index % 6 == 0) {
        out->action_count = 1;
        snprintf(out->actions[0], sizeof out->actions[0], "git commit");
        snprintf(out->actions_json, sizeof out->actions_json, "[\"git commit\"]");
    } else if (index % 6 == 3) {
        out->action_count = 2;
        snprintf(out->actions[0], sizeof out->actions[0], "git commit");
        snprintf(out->actions[1], sizeof out->actions[1], "git push");
        snprintf(out->actions_json, sizeof out->actions_json, "[\"git commit\",\"git push\"]");
    } else {
        snprintf(out->actions_json, sizeof out->actions_json, "[]");
    }
}

static double now_seconds(void) {
    struct timespec spec;
    clock_gettime(CLOCK_MONOTONIC, &spec);
    return (double)spec.tv_sec + (double)spec.tv_nsec / 1e9;
}

static double fail(sqlite3 *db, const char *what, char *error, int error_size) {
    snprintf(error, (size_t)error_size, "%s: %s", what, db ? sqlite3_errmsg(db) : "cannot open");
    return -1.0;
}

static const char *const insert_sql =
    "INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed, "
    "duration_seconds, error_type, session_id, follow_up_actions, schema_version, user_context, finished) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static int bind_and_step(sqlite3_stmt *insert, const smb_event *e) {
    sqlite3_bind_text(insert, 1, e->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 2, e->skill_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 3, e->invoked_at, -1, SQLITE_STATIC);
    if (e->has_workflow_path) sqlite3_bind_text(insert, 4, e->workflow_path, -1, SQLITE_STATIC);
    else sqlite3_bind_null(insert, 4);
    sqlite3_bind_int(insert, 5, e->completed);
    if (e->has_duration) sqlite3_bind_double(insert, 6, e->duration_seconds);
    else sqlite3_bind_null(insert, 6);
    if (e->has_error_type) sqlite3_bind_text(insert, 7, e->error_type, -1, SQLITE_STATIC);
    else sqlite3_bind_null(insert, 7);
    if (e->has_session_id) sqlite3_bind_text(insert, 8, e->session_id, -1, SQLITE_STATIC);
    else sqlite3_bind_null(insert, 8);
    sqlite3_bind_text(insert, 9, e->actions_json, -1, SQLITE_STATIC);
    sqlite3_bind_int(insert, 10, 1);
    sqlite3_bind_null(insert, 11);
    sqlite3_bind_int(insert, 12, 1);
    int rc = sqlite3_step(insert);
    sqlite3_reset(insert);
    return rc;
}

double smb_insert_events(const char *path, const char *id_prefix, long long first, long long count,
                         long long batch, int pregenerate, char *error, int error_size) {
    sqlite3 *db = NULL;
    sqlite3_stmt *insert = NULL, *begin = NULL, *commit = NULL;
    smb_event *events = NULL;
    double result = -1.0;
    if (batch < 1) batch = 1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        result = fail(db, "open", error, error_size);
        goto done;
    }
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                         "PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = ON;",
                     NULL, NULL, NULL) != SQLITE_OK) {
        result = fail(db, "pragmas", error, error_size);
        goto done;
    }
    if (sqlite3_prepare_v2(db, insert_sql, -1, &insert, NULL) != SQLITE_OK
        || sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL) != SQLITE_OK
        || sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK) {
        result = fail(db, "prepare", error, error_size);
        goto done;
    }
    if (pregenerate) {
        events = malloc(sizeof *events * (size_t)(count > 0 ? count : 1));
        if (!events) {
            snprintf(error, (size_t)error_size, "out of memory");
            goto done;
        }
        for (long long i = 0; i < count; i++) smb_make_event(id_prefix, first + i, &events[i]);
    }
    smb_event scratch;
    if (profile_insert_loop) smb_profile_start();
    double start = now_seconds();
    for (long long done_count = 0; done_count < count;) {
        if (sqlite3_step(begin) != SQLITE_DONE) {
            sqlite3_reset(begin);
            result = fail(db, "BEGIN", error, error_size);
            goto done;
        }
        sqlite3_reset(begin);
        long long end = done_count + batch < count ? done_count + batch : count;
        for (; done_count < end; done_count++) {
            const smb_event *e = events ? &events[done_count] : &scratch;
            if (!events) smb_make_event(id_prefix, first + done_count, &scratch);
            if (bind_and_step(insert, e) != SQLITE_DONE) {
                result = fail(db, "INSERT", error, error_size);
                sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
                goto done;
            }
        }
        if (sqlite3_step(commit) != SQLITE_DONE) {
            sqlite3_reset(commit);
            result = fail(db, "COMMIT", error, error_size);
            goto done;
        }
        sqlite3_reset(commit);
    }
    result = now_seconds() - start;
    if (profile_insert_loop) smb_profile_stop();
    /* Outside the clock: fold the WAL into the database file, as a long-lived writer would. */
    sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
done:
    free(events);
    sqlite3_finalize(insert);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    return result;
}
