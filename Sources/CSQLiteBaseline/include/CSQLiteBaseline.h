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
    char actions[2][16];
    char actions_json[64];
} smb_event;

/// Fills `out` with event number `index` of the workload; `id_prefix` keeps ids unique per run.
/// Deterministic: 50 skills, 1,000 sessions, 3 workflow paths, 2 error types, 2 follow-ups,
/// one event every 30 s from 2026-01-01T00:00:00Z. The key sets do not grow with `index`.
void smb_make_event(const char *id_prefix, long long index, smb_event *out);

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

#ifdef __cplusplus
}
#endif

#endif
