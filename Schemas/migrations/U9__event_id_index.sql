-- Undo V9: skill_invocation rebuilt with V1's text (`id ... UNIQUE` in the table, which drops
-- idx_skill_invocation_id), its rows, seqs and AUTOINCREMENT counter copied exactly, and its
-- indexes and triggers re-created from V8's text in V8's order.

CREATE TABLE schema_rebuild_events (seq INTEGER PRIMARY KEY, id, skill_name, invoked_at, workflow_path, completed, duration_seconds, error_type, session_id, follow_up_actions, schema_version, user_context, finished, recorded_at);

INSERT INTO schema_rebuild_events (seq, id, skill_name, invoked_at, workflow_path, completed, duration_seconds, error_type, session_id, follow_up_actions, schema_version, user_context, finished, recorded_at)
SELECT seq, id, skill_name, invoked_at, workflow_path, completed, duration_seconds, error_type, session_id, follow_up_actions, schema_version, user_context, finished, recorded_at FROM skill_invocation ORDER BY seq;

CREATE TABLE schema_rebuild_sequence (seq);

INSERT INTO schema_rebuild_sequence (seq) SELECT seq FROM sqlite_sequence WHERE name = 'skill_invocation';

-- Drops the table's indexes and triggers with it; no DELETE trigger fires.
DROP TABLE skill_invocation;

CREATE TABLE skill_invocation (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT    NOT NULL UNIQUE
                      CHECK (typeof(id) = 'text' AND length(id) BETWEEN 1 AND 200
                             AND instr(id, char(0)) = 0),
    skill_name        TEXT    NOT NULL
                      CHECK (typeof(skill_name) = 'text' AND instr(skill_name, char(0)) = 0),
    -- canonical UTC, microseconds, fixed width: YYYY-MM-DDTHH:MM:SS.ffffffZ
    invoked_at        TEXT    NOT NULL
                      CHECK (typeof(invoked_at) = 'text' AND length(invoked_at) = 27
                             AND invoked_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
                             AND strftime('%Y-%m-%dT%H:%M:%S', substr(invoked_at, 1, 19), '+0 seconds') = substr(invoked_at, 1, 19)),
    workflow_path     TEXT
                      CHECK (workflow_path IS NULL
                             OR (typeof(workflow_path) = 'text' AND instr(workflow_path, char(0)) = 0)),
    completed         INTEGER NOT NULL CHECK (completed IN (0, 1)),
    duration_seconds  REAL
                      CHECK (duration_seconds IS NULL
                             OR (typeof(duration_seconds) = 'real'
                                 AND duration_seconds BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308)),
    error_type        TEXT
                      CHECK (error_type IS NULL
                             OR (typeof(error_type) = 'text' AND instr(error_type, char(0)) = 0)),
    session_id        TEXT
                      CHECK (session_id IS NULL
                             OR (typeof(session_id) = 'text' AND instr(session_id, char(0)) = 0)),
    -- JSON array of strings; the element check (no subqueries in CHECK) is a BEFORE INSERT trigger
    follow_up_actions TEXT    NOT NULL DEFAULT '[]'
                      CHECK (json_valid(follow_up_actions) AND json_type(follow_up_actions) = 'array'
                             AND instr(follow_up_actions, '\u0000') = 0),
    schema_version    INTEGER NOT NULL DEFAULT 1 CHECK (typeof(schema_version) = 'integer' AND schema_version >= 1),
    -- extra fields a legacy source carried, kept so that export is lossless
    user_context      TEXT
                      CHECK (user_context IS NULL
                             OR (json_valid(user_context) AND json_type(user_context) = 'object')),
    -- 1: a finished invocation (projected). 0: a legacy invocation that never finished
    -- (kept as a fact, excluded from every projection).
    finished          INTEGER NOT NULL DEFAULT 1
                      CHECK (finished IN (0, 1) AND (finished = 1 OR (completed = 0 AND duration_seconds IS NULL))),
    -- when the row was appended (UTC); not part of the event's content
    recorded_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

INSERT INTO skill_invocation (seq, id, skill_name, invoked_at, workflow_path, completed, duration_seconds, error_type, session_id, follow_up_actions, schema_version, user_context, finished, recorded_at)
SELECT seq, id, skill_name, invoked_at, workflow_path, completed, duration_seconds, error_type, session_id, follow_up_actions, schema_version, user_context, finished, recorded_at FROM schema_rebuild_events ORDER BY seq;

DELETE FROM sqlite_sequence WHERE name = 'skill_invocation';

INSERT INTO sqlite_sequence (name, seq) SELECT 'skill_invocation', seq FROM schema_rebuild_sequence;

DROP TABLE schema_rebuild_events;
DROP TABLE schema_rebuild_sequence;

CREATE INDEX idx_skill_invocation_skill_time ON skill_invocation (skill_name, invoked_at DESC);

CREATE INDEX idx_skill_invocation_invoked_at ON skill_invocation (invoked_at);

CREATE TRIGGER skill_invocation_no_update
BEFORE UPDATE ON skill_invocation
BEGIN
    SELECT RAISE(ABORT, 'skill_invocation is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER skill_invocation_no_delete
BEFORE DELETE ON skill_invocation
BEGIN
    SELECT RAISE(ABORT, 'skill_invocation is append-only: DELETE is not allowed');
END;

CREATE INDEX idx_skill_invocation_durations ON skill_invocation (skill_name, duration_seconds)
    WHERE completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL;

CREATE TRIGGER skill_invocation_check_insert
BEFORE INSERT ON skill_invocation
WHEN EXISTS (SELECT 1 FROM skill_invocation WHERE id = NEW.id)
  OR (NEW.seq IS NOT NULL AND NEW.seq <> -1
      AND NEW.seq <= coalesce((SELECT max(seq) FROM skill_invocation), 0))
BEGIN
    SELECT RAISE(ABORT, 'skill_invocation: an event with this id already exists')
    WHERE EXISTS (SELECT 1 FROM skill_invocation WHERE id = NEW.id);
    SELECT RAISE(ABORT, 'skill_invocation: seq must be left to SQLite (it may only grow)');
END;

CREATE TRIGGER skill_invocation_check_unfinished
AFTER INSERT ON skill_invocation
WHEN NEW.finished <> 1 AND NEW.follow_up_actions <> '[]'
BEGIN
    SELECT RAISE(ABORT, 'skill_invocation: follow_up_actions must be a JSON array of strings')
    WHERE EXISTS (SELECT 1 FROM json_each(NEW.follow_up_actions) WHERE type <> 'text');
END;

CREATE TRIGGER skill_invocation_project
AFTER INSERT ON skill_invocation
WHEN NEW.finished = 1
BEGIN
    -- The scalar fields, and V7's duration count, min and max (the first statement of V7's
    -- percentile trigger) in the same UPSERT: one write of the row instead of two.
    INSERT INTO skill_totals (
        skill_name, total_invocations, completed_invocations, abandoned_invocations,
        total_duration_seconds, first_invoked, last_invoked, first_seq, last_seq,
        completion_rate, avg_duration_seconds,
        duration_count, min_duration_seconds, max_duration_seconds)
    VALUES (NEW.skill_name, 1, NEW.completed, 1 - NEW.completed,
            CASE WHEN NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL AND NEW.duration_seconds <> 0
                 THEN 0.0 + NEW.duration_seconds ELSE 0.0 END,
            NEW.invoked_at, NEW.invoked_at, NEW.seq, NEW.seq,
            (CAST(NEW.completed AS REAL) / CAST(1 AS REAL)) * 100.0,
            CASE WHEN NEW.completed = 0 THEN 0.0
                 ELSE (CASE WHEN NEW.duration_seconds IS NOT NULL AND NEW.duration_seconds <> 0
                            THEN 0.0 + NEW.duration_seconds ELSE 0.0 END) / CAST(1 AS REAL) END,
            NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL,
            CASE WHEN NEW.completed = 1 THEN NEW.duration_seconds END,
            CASE WHEN NEW.completed = 1 THEN NEW.duration_seconds END)
    ON CONFLICT (skill_name) DO UPDATE SET
        total_invocations = total_invocations + 1,
        completed_invocations = completed_invocations + NEW.completed,
        abandoned_invocations = abandoned_invocations + (1 - NEW.completed),
        total_duration_seconds = CASE
            WHEN NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL AND NEW.duration_seconds <> 0
            THEN total_duration_seconds + NEW.duration_seconds
            ELSE total_duration_seconds END,
        last_invoked = NEW.invoked_at,
        last_seq = NEW.seq,
        completion_rate =
            (CAST(completed_invocations + NEW.completed AS REAL) / CAST(total_invocations + 1 AS REAL)) * 100.0,
        avg_duration_seconds = CASE
            WHEN completed_invocations + NEW.completed = 0 THEN 0.0
            ELSE (CASE
                    WHEN NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL AND NEW.duration_seconds <> 0
                    THEN total_duration_seconds + NEW.duration_seconds
                    ELSE total_duration_seconds END)
                 / CAST(completed_invocations + NEW.completed AS REAL) END,
        duration_count = duration_count + (NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL),
        min_duration_seconds = CASE
            WHEN NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL
                 AND (min_duration_seconds IS NULL OR NEW.duration_seconds < min_duration_seconds)
            THEN NEW.duration_seconds ELSE min_duration_seconds END,
        max_duration_seconds = CASE
            WHEN NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL
                 AND (max_duration_seconds IS NULL OR NEW.duration_seconds >= max_duration_seconds)
            THEN NEW.duration_seconds ELSE max_duration_seconds END;

    -- The count rows: one UPSERT statement for the event's path, error and follow-ups (a
    -- follow-up that is not a string aborts the insert, as V1's BEFORE INSERT check did).
    INSERT INTO skill_key_count (skill_name, field, key, count, first_seq, first_index)
    SELECT NEW.skill_name, f, k, 1, NEW.seq, i FROM (
        SELECT 'workflow_paths' AS f, NEW.workflow_path AS k, 0 AS i
        WHERE NEW.workflow_path IS NOT NULL AND NEW.workflow_path <> ''
        UNION ALL
        SELECT 'common_errors', NEW.error_type, 0
        WHERE NEW.error_type IS NOT NULL AND NEW.error_type <> ''
        UNION ALL
        SELECT 'follow_up_actions',
               CASE WHEN type = 'text' THEN value
                    ELSE RAISE(ABORT, 'skill_invocation: follow_up_actions must be a JSON array of strings') END,
               CAST(key AS INTEGER)
        FROM json_each(NEW.follow_up_actions) WHERE NEW.follow_up_actions <> '[]')
    WHERE true
    ON CONFLICT (skill_name, field, key) DO UPDATE SET count = count + 1;

    INSERT INTO session_skill (
        session_id, skill_name, invocation_count, first_invoked_at, last_invoked_at,
        total_duration_seconds, first_seq, last_seq)
    SELECT NEW.session_id, NEW.skill_name, 1, NEW.invoked_at, NEW.invoked_at,
           CASE WHEN NEW.duration_seconds IS NULL THEN 0.0 ELSE 0.0 + NEW.duration_seconds END,
           NEW.seq, NEW.seq
    WHERE NEW.session_id IS NOT NULL
    ON CONFLICT (session_id, skill_name) DO UPDATE SET
        invocation_count = invocation_count + 1,
        last_invoked_at = NEW.invoked_at,
        last_seq = NEW.seq,
        total_duration_seconds = CASE
            WHEN NEW.duration_seconds IS NULL THEN total_duration_seconds
            ELSE total_duration_seconds + NEW.duration_seconds END;

    INSERT INTO skill_workflow_path (
        id, skill_name, workflow_path, invocation_count, completed_count, total_duration_seconds)
    VALUES (NEW.seq, NEW.skill_name, coalesce(NEW.workflow_path, ''), 1, NEW.completed,
            CASE WHEN NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL
                 THEN 0.0 + NEW.duration_seconds ELSE 0.0 END)
    ON CONFLICT (skill_name, workflow_path) DO UPDATE SET
        invocation_count = invocation_count + 1,
        completed_count = completed_count + excluded.completed_count,
        total_duration_seconds = total_duration_seconds + excluded.total_duration_seconds;


    -- 1. The cached step: each cursor moves at most one place. A neighbour that is the new
    --    event, the old cursor or the old successor is set here; one not yet known is left
    --    NULL for step 3.
    -- Percentiles (V7's steps 1-4, DESIGN.md §3, numpy's linear method, see V2 for the lerp),
    -- only for a completed event with a duration (a WHERE term on NEW only is tested once,
    -- before the statement's seek, so the other events skip them).
    UPDATE skill_totals SET
        p50_cursor_duration = CASE (CAST((duration_count - 1) * 0.5 AS INTEGER) - CAST((duration_count - 2) * 0.5 AS INTEGER) - (NEW.duration_seconds < p50_cursor_duration))
            WHEN 0 THEN p50_cursor_duration
            WHEN 1 THEN CASE WHEN (NEW.duration_seconds >= p50_cursor_duration AND NEW.duration_seconds < p50_next_duration) THEN NEW.duration_seconds ELSE p50_next_duration END END,
        p50_cursor_seq = CASE (CAST((duration_count - 1) * 0.5 AS INTEGER) - CAST((duration_count - 2) * 0.5 AS INTEGER) - (NEW.duration_seconds < p50_cursor_duration))
            WHEN 0 THEN p50_cursor_seq
            WHEN 1 THEN CASE WHEN (NEW.duration_seconds >= p50_cursor_duration AND NEW.duration_seconds < p50_next_duration) THEN NEW.seq ELSE p50_next_seq END END,
        p50_next_duration = CASE (CAST((duration_count - 1) * 0.5 AS INTEGER) - CAST((duration_count - 2) * 0.5 AS INTEGER) - (NEW.duration_seconds < p50_cursor_duration))
            WHEN 0 THEN CASE WHEN (NEW.duration_seconds >= p50_cursor_duration AND NEW.duration_seconds < p50_next_duration) THEN NEW.duration_seconds ELSE p50_next_duration END
            WHEN 1 THEN CASE WHEN (NEW.duration_seconds >= p50_cursor_duration AND NEW.duration_seconds < p50_next_duration) THEN p50_next_duration END
            ELSE p50_cursor_duration END,
        p50_next_seq = CASE (CAST((duration_count - 1) * 0.5 AS INTEGER) - CAST((duration_count - 2) * 0.5 AS INTEGER) - (NEW.duration_seconds < p50_cursor_duration))
            WHEN 0 THEN CASE WHEN (NEW.duration_seconds >= p50_cursor_duration AND NEW.duration_seconds < p50_next_duration) THEN NEW.seq ELSE p50_next_seq END
            WHEN 1 THEN CASE WHEN (NEW.duration_seconds >= p50_cursor_duration AND NEW.duration_seconds < p50_next_duration) THEN p50_next_seq END
            ELSE p50_cursor_seq END,
        p95_cursor_duration = CASE (CAST((duration_count - 1) * 0.95 AS INTEGER) - CAST((duration_count - 2) * 0.95 AS INTEGER) - (NEW.duration_seconds < p95_cursor_duration))
            WHEN 0 THEN p95_cursor_duration
            WHEN 1 THEN CASE WHEN (NEW.duration_seconds >= p95_cursor_duration AND NEW.duration_seconds < p95_next_duration) THEN NEW.duration_seconds ELSE p95_next_duration END END,
        p95_cursor_seq = CASE (CAST((duration_count - 1) * 0.95 AS INTEGER) - CAST((duration_count - 2) * 0.95 AS INTEGER) - (NEW.duration_seconds < p95_cursor_duration))
            WHEN 0 THEN p95_cursor_seq
            WHEN 1 THEN CASE WHEN (NEW.duration_seconds >= p95_cursor_duration AND NEW.duration_seconds < p95_next_duration) THEN NEW.seq ELSE p95_next_seq END END,
        p95_next_duration = CASE (CAST((duration_count - 1) * 0.95 AS INTEGER) - CAST((duration_count - 2) * 0.95 AS INTEGER) - (NEW.duration_seconds < p95_cursor_duration))
            WHEN 0 THEN CASE WHEN (NEW.duration_seconds >= p95_cursor_duration AND NEW.duration_seconds < p95_next_duration) THEN NEW.duration_seconds ELSE p95_next_duration END
            WHEN 1 THEN CASE WHEN (NEW.duration_seconds >= p95_cursor_duration AND NEW.duration_seconds < p95_next_duration) THEN p95_next_duration END
            ELSE p95_cursor_duration END,
        p95_next_seq = CASE (CAST((duration_count - 1) * 0.95 AS INTEGER) - CAST((duration_count - 2) * 0.95 AS INTEGER) - (NEW.duration_seconds < p95_cursor_duration))
            WHEN 0 THEN CASE WHEN (NEW.duration_seconds >= p95_cursor_duration AND NEW.duration_seconds < p95_next_duration) THEN NEW.seq ELSE p95_next_seq END
            WHEN 1 THEN CASE WHEN (NEW.duration_seconds >= p95_cursor_duration AND NEW.duration_seconds < p95_next_duration) THEN p95_next_seq END
            ELSE p95_cursor_seq END,
        p99_cursor_duration = CASE (CAST((duration_count - 1) * 0.99 AS INTEGER) - CAST((duration_count - 2) * 0.99 AS INTEGER) - (NEW.duration_seconds < p99_cursor_duration))
            WHEN 0 THEN p99_cursor_duration
            WHEN 1 THEN CASE WHEN (NEW.duration_seconds >= p99_cursor_duration AND NEW.duration_seconds < p99_next_duration) THEN NEW.duration_seconds ELSE p99_next_duration END END,
        p99_cursor_seq = CASE (CAST((duration_count - 1) * 0.99 AS INTEGER) - CAST((duration_count - 2) * 0.99 AS INTEGER) - (NEW.duration_seconds < p99_cursor_duration))
            WHEN 0 THEN p99_cursor_seq
            WHEN 1 THEN CASE WHEN (NEW.duration_seconds >= p99_cursor_duration AND NEW.duration_seconds < p99_next_duration) THEN NEW.seq ELSE p99_next_seq END END,
        p99_next_duration = CASE (CAST((duration_count - 1) * 0.99 AS INTEGER) - CAST((duration_count - 2) * 0.99 AS INTEGER) - (NEW.duration_seconds < p99_cursor_duration))
            WHEN 0 THEN CASE WHEN (NEW.duration_seconds >= p99_cursor_duration AND NEW.duration_seconds < p99_next_duration) THEN NEW.duration_seconds ELSE p99_next_duration END
            WHEN 1 THEN CASE WHEN (NEW.duration_seconds >= p99_cursor_duration AND NEW.duration_seconds < p99_next_duration) THEN p99_next_duration END
            ELSE p99_cursor_duration END,
        p99_next_seq = CASE (CAST((duration_count - 1) * 0.99 AS INTEGER) - CAST((duration_count - 2) * 0.99 AS INTEGER) - (NEW.duration_seconds < p99_cursor_duration))
            WHEN 0 THEN CASE WHEN (NEW.duration_seconds >= p99_cursor_duration AND NEW.duration_seconds < p99_next_duration) THEN NEW.seq ELSE p99_next_seq END
            WHEN 1 THEN CASE WHEN (NEW.duration_seconds >= p99_cursor_duration AND NEW.duration_seconds < p99_next_duration) THEN p99_next_seq END
            ELSE p99_cursor_seq END,
        percentile_cache_seq = NEW.seq
    WHERE NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL AND skill_name = NEW.skill_name AND percentile_cache_count = duration_count - 1 AND duration_count >= 3
      AND p50_cursor_seq IS NOT NULL AND p50_cursor_duration IS NOT NULL AND p50_next_seq IS NOT NULL AND p50_next_duration IS NOT NULL
      AND p95_cursor_seq IS NOT NULL AND p95_cursor_duration IS NOT NULL AND p95_next_seq IS NOT NULL AND p95_next_duration IS NOT NULL
      AND p99_cursor_seq IS NOT NULL AND p99_cursor_duration IS NOT NULL AND p99_next_seq IS NOT NULL AND p99_next_duration IS NOT NULL;

    -- 2. No valid cache (a new skill, or a row another writer left: rebuild, the Swift fold, an
    --    UPDATE of the view): skill_totals_percentile_reposition runs V6's steps.
    UPDATE skill_totals SET percentile_reposition = NEW.seq
    WHERE NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL AND skill_name = NEW.skill_name AND percentile_cache_seq IS NOT NEW.seq;

    -- 3. A neighbour left unknown by step 1: skill_totals_percentile_seek looks it up (one seek).
    UPDATE skill_totals SET percentile_seek = NEW.seq
    WHERE NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL AND skill_name = NEW.skill_name AND (p50_cursor_seq IS NULL OR p50_next_seq IS NULL OR p95_cursor_seq IS NULL OR p95_next_seq IS NULL OR p99_cursor_seq IS NULL OR p99_next_seq IS NULL);

    -- 4. Interpolate from the cached values (numpy's _lerp); the cache now holds this count.
    UPDATE skill_totals SET
        p50_duration_seconds = CASE WHEN ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER)) >= 0.5
            THEN p50_next_duration - (p50_next_duration - p50_cursor_duration) * (1.0 - ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER)))
            ELSE p50_cursor_duration + (p50_next_duration - p50_cursor_duration) * ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER)) END,
        p95_duration_seconds = CASE WHEN ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER)) >= 0.5
            THEN p95_next_duration - (p95_next_duration - p95_cursor_duration) * (1.0 - ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER)))
            ELSE p95_cursor_duration + (p95_next_duration - p95_cursor_duration) * ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER)) END,
        p99_duration_seconds = CASE WHEN ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER)) >= 0.5
            THEN p99_next_duration - (p99_next_duration - p99_cursor_duration) * (1.0 - ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER)))
            ELSE p99_cursor_duration + (p99_next_duration - p99_cursor_duration) * ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER)) END,
        percentile_cache_count = duration_count
    WHERE NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL AND skill_name = NEW.skill_name;
END;
