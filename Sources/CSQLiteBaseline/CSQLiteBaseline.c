#include "CSQLiteBaseline.h"

#include <math.h>
#include <pthread.h>
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

static int default_temp_store = 0;

void smb_set_default_temp_store(int enabled) {
    default_temp_store = enabled;
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

/* ---- the workload family ------------------------------------------------------------- */

static int current_workload = SMB_WORKLOAD_TODAY;

void smb_set_workload(int workload) {
    current_workload = workload;
}

/* splitmix64: a deterministic, well-mixed hash of (index, salt). */
static unsigned long long smb_mix(unsigned long long x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* A uniform double in [0, 1) drawn from event `index` and stream `salt`. */
static double smb_unit(long long index, unsigned long long salt) {
    unsigned long long h = smb_mix((unsigned long long)index ^ smb_mix(salt * 0xD6E8FEB86659FD93ULL));
    return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

/* Zipf tables: cumulative weights of 1/k^s for k = 1…n. */
typedef struct {
    int n;
    double s;
    double cumulative[128];
} smb_zipf;

static smb_zipf zipf_skills = {120, 1.0, {0}};
static smb_zipf zipf_paths = {60, 1.1, {0}};
static smb_zipf zipf_errors = {25, 1.0, {0}};
static smb_zipf zipf_actions = {40, 1.0, {0}};
static pthread_once_t zipf_once = PTHREAD_ONCE_INIT;

static void zipf_fill(smb_zipf *z) {
    double total = 0;
    for (int k = 0; k < z->n; k++) {
        total += 1.0 / pow((double)(k + 1), z->s);
        z->cumulative[k] = total;
    }
    for (int k = 0; k < z->n; k++) z->cumulative[k] /= total;
}

static void zipf_init(void) {
    zipf_fill(&zipf_skills);
    zipf_fill(&zipf_paths);
    zipf_fill(&zipf_errors);
    zipf_fill(&zipf_actions);
}

/* The rank (0-based) whose cumulative weight first exceeds u. */
static int zipf_draw(const smb_zipf *z, double u) {
    int low = 0, high = z->n - 1;
    while (low < high) {
        int middle = (low + high) / 2;
        if (z->cumulative[middle] > u) high = middle;
        else low = middle + 1;
    }
    return low;
}

/* FNV-1a of the id prefix: the seed of a workload's ids, so two prefixes give unrelated ids. */
static unsigned long long smb_prefix_seed(const char *id_prefix) {
    unsigned long long h = 0xCBF29CE484222325ULL;
    for (const unsigned char *p = (const unsigned char *)id_prefix; *p; p++) h = (h ^ *p) * 0x100000001B3ULL;
    return h;
}

/* The id a client library gives an event: a random (version 4) UUID in lowercase, as
   `UUID().uuidString.lowercased()` and Python's `str(uuid.uuid4())` write it, drawn
   deterministically from (prefix, index). Consecutive events land at unrelated places in the
   id index, as they do in a real log; `today`'s `prefix-index` ids are the easy case. */
static void make_uuid_id(const char *id_prefix, long long index, smb_event *out) {
    unsigned long long a = smb_mix(smb_prefix_seed(id_prefix) ^ smb_mix((unsigned long long)index));
    unsigned long long b = smb_mix(a ^ 0x5851F42D4C957F2DULL);
    snprintf(out->id, sizeof out->id, "%08llx-%04llx-%04llx-%04llx-%012llx",
             a >> 32, (a >> 16) & 0xFFFFULL, (a & 0x0FFFULL) | 0x4000ULL,
             ((b >> 48) & 0x3FFFULL) | 0x8000ULL, b & 0xFFFFFFFFFFFFULL);
}

/* The UUID id, invoked_at and the empty list, shared by `real` and `adversarial` (`today`'s
   `smb_make_event` writes its own). */
static void make_common(const char *id_prefix, long long index, smb_event *out) {
    memset(out, 0, sizeof *out);
    make_uuid_id(id_prefix, index, out);
    long long micros = (index * 7919) % 1000000;
    long long seconds = base_seconds + index * 30;
    out->invoked_at_us = seconds * 1000000LL + micros;
    time_t t = (time_t)seconds;
    struct tm fields;
    gmtime_r(&t, &fields);
    char head[24];
    strftime(head, sizeof head, "%Y-%m-%dT%H:%M:%S", &fields);
    snprintf(out->invoked_at, sizeof out->invoked_at, "%s.%06lldZ", head, micros);
}

/* actions_json exactly as SQLite's json_array writes it (the names need no escaping). */
static void finish_actions(smb_event *out) {
    size_t used = 0;
    used += (size_t)snprintf(out->actions_json + used, sizeof out->actions_json - used, "[");
    for (int k = 0; k < out->action_count; k++) {
        used += (size_t)snprintf(out->actions_json + used, sizeof out->actions_json - used, "%s\"%s\"",
                                 k == 0 ? "" : ",", out->actions[k]);
    }
    snprintf(out->actions_json + used, sizeof out->actions_json - used, "]");
}

static void make_real(const char *id_prefix, long long index, smb_event *out) {
    pthread_once(&zipf_once, zipf_init);
    make_common(id_prefix, index, out);
    snprintf(out->skill_name, sizeof out->skill_name, "skill-%03d", zipf_draw(&zipf_skills, smb_unit(index, 1)));
    /* Sessions keep arriving: three open at a time, each a burst of about 12 events. */
    if (smb_unit(index, 2) >= 1.0 / 12) {
        out->has_session_id = 1;
        long long session = (index / 36) * 3 + (long long)(smb_unit(index, 3) * 3);
        snprintf(out->session_id, sizeof out->session_id, "sess-%010lld", session);
    }
    if (smb_unit(index, 4) >= 1.0 / 8) {
        out->has_workflow_path = 1;
        snprintf(out->workflow_path, sizeof out->workflow_path, "flow-%02d", zipf_draw(&zipf_paths, smb_unit(index, 5)));
    }
    out->completed = smb_unit(index, 6) >= 1.0 / 12;
    double error_draw = smb_unit(index, 7);
    if ((!out->completed && error_draw < 0.8) || (out->completed && error_draw < 0.03)) {
        out->has_error_type = 1;
        snprintf(out->error_type, sizeof out->error_type, "Error%02dException", zipf_draw(&zipf_errors, smb_unit(index, 8)));
    }
    if (smb_unit(index, 9) >= 1.0 / 15) {
        /* log-normal, median 1.8 s, sigma 1.2, rounded to the millisecond (many repeats) */
        double u1 = smb_unit(index, 10), u2 = smb_unit(index, 11);
        double normal = sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
        double seconds = exp(log(1.8) + 1.2 * normal);
        if (seconds > 3600) seconds = 3600;
        out->has_duration = 1;
        out->duration_seconds = floor(seconds * 1000 + 0.5) / 1000;
    }
    double count_draw = smb_unit(index, 12);
    out->action_count = count_draw < 0.40 ? 0 : count_draw < 0.65 ? 1 : count_draw < 0.80 ? 2 : count_draw < 0.92 ? 3 : 4;
    for (int k = 0; k < out->action_count; k++) {
        snprintf(out->actions[k], sizeof out->actions[k], "action-%02d",
                 zipf_draw(&zipf_actions, smb_unit(index, 13 + (unsigned long long)k)));
    }
    finish_actions(out);
}

static void make_adversarial(const char *id_prefix, long long index, smb_event *out) {
    make_common(id_prefix, index, out);
    if (index % 10 != 9) snprintf(out->skill_name, sizeof out->skill_name, "skill-hot");
    else snprintf(out->skill_name, sizeof out->skill_name, "skill-%02lld", (index / 10) % 10);
    out->has_session_id = 1;
    if (index < 100000) snprintf(out->session_id, sizeof out->session_id, "session-giant");
    else snprintf(out->session_id, sizeof out->session_id, "sess-%09lld", index / 10);
    if (index % 20 != 19) {
        out->has_workflow_path = 1;
        snprintf(out->workflow_path, sizeof out->workflow_path, "path-%05lld", (index * 7) % 5000);
    }
    out->completed = index % 5 != 4;
    if (!out->completed) {
        out->has_error_type = 1;
        snprintf(out->error_type, sizeof out->error_type, "Error%04lld", (index / 5) % 2000);
    }
    out->has_duration = 1;
    out->duration_seconds = 1.5;
    out->action_count = (int)(index % 5);
    for (int k = 0; k < out->action_count; k++) {
        snprintf(out->actions[k], sizeof out->actions[k], "act-%05lld", (index * 13 + k * 7919) % 5000);
    }
    finish_actions(out);
}

void smb_make_workload_event(int workload, const char *id_prefix, long long index, smb_event *out) {
    switch (workload) {
    case SMB_WORKLOAD_REAL: make_real(id_prefix, index, out); break;
    case SMB_WORKLOAD_ADVERSARIAL: make_adversarial(id_prefix, index, out); break;
    default: smb_make_event(id_prefix, index, out); break;
    }
}

static void json_text(FILE *file, const char *key, const char *value, int present) {
    if (present) fprintf(file, ", \"%s\": \"%s\"", key, value);
    else fprintf(file, ", \"%s\": null", key);
}

int smb_write_jsonl(const char *path, const char *id_prefix, long long first, long long count) {
    FILE *file = fopen(path, "w");
    if (!file) return -1;
    smb_event e;
    for (long long i = first; i < first + count; i++) {
        smb_make_workload_event(current_workload, id_prefix, i, &e);
        fprintf(file, "{\"id\": \"%s\", \"skill_name\": \"%s\", \"invoked_at\": \"%s\"", e.id, e.skill_name, e.invoked_at);
        json_text(file, "workflow_path", e.workflow_path, e.has_workflow_path);
        fprintf(file, ", \"completed\": %s", e.completed ? "true" : "false");
        if (e.has_duration) fprintf(file, ", \"duration_seconds\": %.17g", e.duration_seconds);
        else fprintf(file, ", \"duration_seconds\": null");
        json_text(file, "error_type", e.error_type, e.has_error_type);
        json_text(file, "session_id", e.session_id, e.has_session_id);
        fprintf(file, ", \"follow_up_actions\": %s}\n", e.actions_json);
    }
    return fclose(file) == 0 ? 0 : -1;
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
    // SQLite's own VFS by name: a store opened in this process makes its WAL-coalescing VFS the
    // default (WALWriteCoalescing.c), and the baseline is plain libsqlite3.
    const char *vfs = sqlite3_vfs_find("unix") != NULL ? "unix" : NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, vfs) != SQLITE_OK) {
        result = fail(db, "open", error, error_size);
        goto done;
    }
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                     NULL, NULL, NULL) != SQLITE_OK
        || (!default_temp_store && sqlite3_exec(db, "PRAGMA temp_store = MEMORY;", NULL, NULL, NULL) != SQLITE_OK)) {
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
        for (long long i = 0; i < count; i++) smb_make_workload_event(current_workload, id_prefix, first + i, &events[i]);
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
            if (!events) smb_make_workload_event(current_workload, id_prefix, first + done_count, &scratch);
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
