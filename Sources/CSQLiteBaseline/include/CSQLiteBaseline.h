// The C baseline of the benchmark: the benchmark's workload events and a plain libsqlite3
// program that inserts them with one prepared INSERT, the way a careful C client would.
//
// Both sides of each benchmark comparison take their events from smb_make_event, so the
// Swift library and the C baseline write byte-identical rows into the same V1 schema.
#ifndef CSQLITEBASELINE_H
#define CSQLITEBASELINE_H

#ifdef __cplusplus
extern "C" {
#endif

/// One workload event, as the columns of skill_invocation hold it.
typedef struct {
    char id[64];
    char skill_name[32];
    /// Canonical UTC text (YYYY-MM-DDTHH:MM:SS.ffffffZ) and the same instant in microseconds.
    char invoked_at[32];
    long long invoked_at_us;
    char workflow_path[32];
    int has_workflow_path;
    int completed;
    double duration_seconds;
    int has_duration;
    char error_type[32];
    int has_error_type;
    char session_id[32];
    int has_session_id;
    /// follow_up_actions as separate strings and as the JSON text SQLite's json_array writes.
    int action_count;
    char actions[4][24];
    char actions_json[128];
} smb_event;

/// The benchmark's workload family (every performance bar is judged on the worst of them).
typedef enum {
    /// The original generator: 50 skills, 1,000 fixed sessions, 3 paths, 2 errors, 0–2 of 2 actions.
    SMB_WORKLOAD_TODAY = 0,
    /// Real-shaped: sessions that keep arriving (bursts of ~12 events, three open at a time),
    /// 120 skills with Zipf popularity, 60 workflow paths and 40 actions with long tails,
    /// 25 error types, 0–4 follow-ups, millisecond-rounded log-normal durations, nulls.
    SMB_WORKLOAD_REAL = 1,
    /// Adversarial: 90% of events on one skill with 5,000 distinct paths, 5,000 actions and
    /// 2,000 error types; the first 100,000 events in one session; every duration 1.5 s.
    SMB_WORKLOAD_ADVERSARIAL = 2
} smb_workload;

/// Fills `out` with event number `index` of the workload; `id_prefix` keeps ids unique per run.
/// Deterministic: 50 skills, 1,000 sessions, 3 workflow paths, 2 error types, 2 follow-ups,
/// one event every 30 s from 2026-01-01T00:00:00Z. The key sets do not grow with `index`.
void smb_make_event(const char *id_prefix, long long index, smb_event *out);

/// Event number `index` of `workload` (SMB_WORKLOAD_TODAY gives exactly smb_make_event).
/// Deterministic; timestamps as smb_make_event (one event every 30 s from 2026-01-01).
void smb_make_workload_event(int workload, const char *id_prefix, long long index, smb_event *out);

/// Selects the workload smb_insert_events and smb_write_jsonl generate (default TODAY).
void smb_set_workload(int workload);

/// Writes events [first, first + count) of the current workload to `path` as JSONL lines the
/// CLI's `append --jsonl` reads (the columns of skill_invocation; durations with 17
/// significant digits, so they parse back to the same doubles). Returns 0, or -1 on failure.
int smb_write_jsonl(const char *path, const char *id_prefix, long long first, long long count);

/// Inserts events [first, first + count) into the database at `path` (already migrated),
/// `batch` events per IMMEDIATE transaction, with one prepared INSERT, under the store's
/// connection settings (WAL, synchronous=NORMAL, temp_store=MEMORY, busy timeout 5 s).
/// With `pregenerate` the events are built before the clock starts; otherwise as they go
/// (for bulk setup). Returns the seconds spent in the insert loop, or a negative value on
/// failure with the message in `error` (at most `error_size` bytes, NUL-terminated).
double smb_insert_events(const char *path, const char *id_prefix, long long first, long long count,
                         long long batch, int pregenerate, char *error, int error_size);

/// Starts / stops callgrind's instruction counting around a region (no-ops when the program
/// does not run under valgrind, or valgrind's headers were missing at build time).
/// Profile with: valgrind --tool=callgrind --collect-atstart=no <bench> --profile …
void smb_profile_start(void);
void smb_profile_stop(void);
/// When non-zero, smb_insert_events counts instructions of its timed loop only.
void smb_profile_insert_loop(int enabled);

/// When non-zero, smb_insert_events leaves `temp_store` at SQLite's default, as a client that
/// sets no such pragma (Python's `sqlite3`) does: a statement journal that outgrows 64 KiB then
/// goes to a file in /var/tmp for the rest of the transaction. Default 0 (temp_store=MEMORY).
void smb_set_default_temp_store(int enabled);

#ifdef __cplusplus
}
#endif

#endif
