-- Undoes V5: back to exactly the V4 schema (a test compares sqlite_master with a fresh V4
-- database). The skill_metrics table is created with the V1 text and the V2 ALTER TABLE
-- statements, so SQLite stores the same CREATE TABLE text; its rows are the V5 view's (the
-- dictionaries assembled in order of first appearance, the same REAL expressions), with the
-- percentile cursors kept. The triggers and indexes are the V1/V2 texts, byte for byte.
DROP TRIGGER skill_metrics_update;
DROP TRIGGER skill_invocation_project_percentiles;
DROP TRIGGER skill_workflow_path_index;
DROP TRIGGER skill_invocation_project;
DROP TRIGGER skill_invocation_check_unfinished;
DROP TRIGGER skill_invocation_check_insert;
CREATE TEMP TABLE skill_metrics_v5 AS SELECT * FROM skill_metrics;
DROP VIEW skill_metrics;

CREATE TABLE skill_metrics (
    skill_name             TEXT    PRIMARY KEY NOT NULL,
    total_invocations      INTEGER NOT NULL,
    completed_invocations  INTEGER NOT NULL,
    abandoned_invocations  INTEGER NOT NULL,
    total_duration_seconds REAL    NOT NULL,
    workflow_paths         TEXT    NOT NULL,
    common_errors          TEXT    NOT NULL,
    follow_up_actions      TEXT    NOT NULL,
    first_invoked          TEXT    NOT NULL,
    last_invoked           TEXT    NOT NULL,
    completion_rate        REAL    NOT NULL,
    avg_duration_seconds   REAL    NOT NULL,
    -- seq of the skill's first and last finished event: the legacy `skills` order
    first_seq              INTEGER NOT NULL,
    last_seq               INTEGER NOT NULL,
    schema_version         INTEGER NOT NULL DEFAULT 1
);
ALTER TABLE skill_metrics ADD COLUMN duration_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE skill_metrics ADD COLUMN min_duration_seconds REAL;
ALTER TABLE skill_metrics ADD COLUMN max_duration_seconds REAL;
ALTER TABLE skill_metrics ADD COLUMN p50_duration_seconds REAL;
ALTER TABLE skill_metrics ADD COLUMN p95_duration_seconds REAL;
ALTER TABLE skill_metrics ADD COLUMN p99_duration_seconds REAL;
ALTER TABLE skill_metrics ADD COLUMN p50_cursor_duration REAL;
ALTER TABLE skill_metrics ADD COLUMN p50_cursor_seq INTEGER;
ALTER TABLE skill_metrics ADD COLUMN p95_cursor_duration REAL;
ALTER TABLE skill_metrics ADD COLUMN p95_cursor_seq INTEGER;
ALTER TABLE skill_metrics ADD COLUMN p99_cursor_duration REAL;
ALTER TABLE skill_metrics ADD COLUMN p99_cursor_seq INTEGER;

INSERT INTO skill_metrics (
    skill_name, total_invocations, completed_invocations, abandoned_invocations,
    total_duration_seconds, workflow_paths, common_errors, follow_up_actions,
    first_invoked, last_invoked, completion_rate, avg_duration_seconds, first_seq, last_seq,
    schema_version, duration_count, min_duration_seconds, max_duration_seconds,
    p50_duration_seconds, p95_duration_seconds, p99_duration_seconds,
    p50_cursor_duration, p50_cursor_seq, p95_cursor_duration, p95_cursor_seq,
    p99_cursor_duration, p99_cursor_seq)
SELECT v.skill_name, v.total_invocations, v.completed_invocations, v.abandoned_invocations,
       v.total_duration_seconds, v.workflow_paths, v.common_errors, v.follow_up_actions,
       v.first_invoked, v.last_invoked, v.completion_rate, v.avg_duration_seconds, v.first_seq, v.last_seq,
       v.schema_version, v.duration_count, v.min_duration_seconds, v.max_duration_seconds,
       v.p50_duration_seconds, v.p95_duration_seconds, v.p99_duration_seconds,
       t.p50_cursor_duration, t.p50_cursor_seq, t.p95_cursor_duration, t.p95_cursor_seq,
       t.p99_cursor_duration, t.p99_cursor_seq
FROM skill_metrics_v5 AS v JOIN skill_totals AS t ON t.skill_name = v.skill_name
ORDER BY v.first_seq;

DROP TABLE skill_metrics_v5;
DROP TABLE skill_key_count;
DROP TABLE skill_totals;

CREATE INDEX idx_skill_metrics_first_seq ON skill_metrics (first_seq);
CREATE INDEX idx_skill_invocation_completed ON skill_invocation (completed);
CREATE INDEX idx_skill_invocation_session ON skill_invocation (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX idx_session_skill_skill ON session_skill (skill_name);
CREATE TRIGGER skill_invocation_check_insert
BEFORE INSERT ON skill_invocation
BEGIN
    SELECT RAISE(ABORT, 'skill_invocation: an event with this id already exists')
    WHERE EXISTS (SELECT 1 FROM skill_invocation WHERE id = NEW.id);
    SELECT RAISE(ABORT, 'skill_invocation: seq must be left to SQLite (it may only grow)')
    WHERE NEW.seq IS NOT NULL AND NEW.seq <> -1
      AND NEW.seq <= coalesce((SELECT max(seq) FROM skill_invocation), 0);
    SELECT RAISE(ABORT, 'skill_invocation: follow_up_actions must be a JSON array of strings')
    WHERE json_valid(NEW.follow_up_actions)
      AND EXISTS (SELECT 1 FROM json_each(NEW.follow_up_actions) WHERE type <> 'text');
END;
CREATE TRIGGER skill_invocation_project_skill_metrics
AFTER INSERT ON skill_invocation
WHEN NEW.finished = 1
BEGIN
    INSERT INTO skill_metrics (
        skill_name, total_invocations, completed_invocations, abandoned_invocations,
        total_duration_seconds, workflow_paths, common_errors, follow_up_actions,
        first_invoked, last_invoked, completion_rate, avg_duration_seconds, first_seq, last_seq)
    VALUES (NEW.skill_name, 0, 0, 0, 0.0, '{}', '{}', '{}', NEW.invoked_at, NEW.invoked_at,
            0.0, 0.0, NEW.seq, NEW.seq)
    ON CONFLICT (skill_name) DO NOTHING;

    UPDATE skill_metrics SET
        total_invocations = total_invocations + 1,
        completed_invocations = completed_invocations + NEW.completed,
        abandoned_invocations = abandoned_invocations + (1 - NEW.completed),
        total_duration_seconds = CASE
            WHEN NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL AND NEW.duration_seconds <> 0
            THEN total_duration_seconds + NEW.duration_seconds
            ELSE total_duration_seconds END,
        workflow_paths = CASE
            WHEN NEW.workflow_path IS NULL OR NEW.workflow_path = '' THEN workflow_paths
            ELSE (SELECT json_group_object(k, c) FROM (
                    SELECT k, sum(c) AS c FROM (
                        SELECT key AS k, value AS c, id AS ord FROM json_each(workflow_paths)
                        UNION ALL
                        SELECT NEW.workflow_path, 1, 9223372036854775807)
                    GROUP BY k ORDER BY min(ord))) END,
        common_errors = CASE
            WHEN NEW.error_type IS NULL OR NEW.error_type = '' THEN common_errors
            ELSE (SELECT json_group_object(k, c) FROM (
                    SELECT k, sum(c) AS c FROM (
                        SELECT key AS k, value AS c, id AS ord FROM json_each(common_errors)
                        UNION ALL
                        SELECT NEW.error_type, 1, 9223372036854775807)
                    GROUP BY k ORDER BY min(ord))) END,
        follow_up_actions = CASE
            WHEN NEW.follow_up_actions = '[]' OR json_array_length(NEW.follow_up_actions) = 0
            THEN follow_up_actions
            ELSE (SELECT json_group_object(k, c) FROM (
                    SELECT k, sum(c) AS c FROM (
                        SELECT key AS k, value AS c, id AS ord FROM json_each(follow_up_actions)
                        UNION ALL
                        SELECT value, 1, 4611686018427387904 + id FROM json_each(NEW.follow_up_actions))
                    GROUP BY k ORDER BY min(ord))) END,
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
                 / CAST(completed_invocations + NEW.completed AS REAL) END
    WHERE skill_name = NEW.skill_name;
END;
CREATE TRIGGER skill_invocation_project_session_skill
AFTER INSERT ON skill_invocation
WHEN NEW.finished = 1 AND NEW.session_id IS NOT NULL
BEGIN
    INSERT INTO session_skill (
        session_id, skill_name, invocation_count, first_invoked_at, last_invoked_at,
        total_duration_seconds, first_seq, last_seq)
    VALUES (NEW.session_id, NEW.skill_name, 1, NEW.invoked_at, NEW.invoked_at,
            CASE WHEN NEW.duration_seconds IS NULL THEN 0.0 ELSE 0.0 + NEW.duration_seconds END,
            NEW.seq, NEW.seq)
    ON CONFLICT (session_id, skill_name) DO UPDATE SET
        invocation_count = invocation_count + 1,
        last_invoked_at = NEW.invoked_at,
        last_seq = NEW.seq,
        total_duration_seconds = CASE
            WHEN NEW.duration_seconds IS NULL THEN total_duration_seconds
            ELSE total_duration_seconds + NEW.duration_seconds END;
END;
CREATE TRIGGER skill_invocation_project_percentiles
AFTER INSERT ON skill_invocation
WHEN NEW.finished = 1 AND NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL
BEGIN
    INSERT INTO skill_metrics (
        skill_name, total_invocations, completed_invocations, abandoned_invocations,
        total_duration_seconds, workflow_paths, common_errors, follow_up_actions,
        first_invoked, last_invoked, completion_rate, avg_duration_seconds, first_seq, last_seq)
    VALUES (NEW.skill_name, 0, 0, 0, 0.0, '{}', '{}', '{}', NEW.invoked_at, NEW.invoked_at,
            0.0, 0.0, NEW.seq, NEW.seq)
    ON CONFLICT (skill_name) DO NOTHING;

    UPDATE skill_metrics SET duration_count = duration_count + 1 WHERE skill_name = NEW.skill_name;

    -- 1. Move each percentile's cursor (the (duration, seq) at sorted position f = floor((n-1)p))
    --    to its position for the new n: the new value shifts it by at most one place, and f
    --    grows by at most one, so one index seek (successor or predecessor) suffices. A NULL
    --    cursor (after rebuild or the V2 backfill) is found once with OFFSET.
    UPDATE skill_metrics SET
        p50_cursor_seq = CASE
        WHEN p50_cursor_seq IS NULL OR p50_cursor_duration IS NULL OR duration_count = 1 THEN
            (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
             ORDER BY duration_seconds, seq LIMIT 1
             OFFSET (SELECT CAST((duration_count - 1) * 0.5 AS INTEGER) FROM skill_metrics
                     WHERE skill_name = NEW.skill_name))
        ELSE CASE CAST((duration_count - 1) * 0.5 AS INTEGER) - CAST((duration_count - 2) * 0.5 AS INTEGER)
                  - (CASE WHEN NEW.duration_seconds < p50_cursor_duration
                               OR (NEW.duration_seconds = p50_cursor_duration AND NEW.seq < p50_cursor_seq) THEN 1 ELSE 0 END)
            WHEN 0 THEN p50_cursor_seq
            WHEN 1 THEN coalesce(
                (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p50_cursor_duration AND seq > p50_cursor_seq ORDER BY seq LIMIT 1),
                (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p50_cursor_duration ORDER BY duration_seconds, seq LIMIT 1))
            ELSE coalesce(
                (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p50_cursor_duration AND seq < p50_cursor_seq ORDER BY seq DESC LIMIT 1),
                (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds < p50_cursor_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1))
            END
        END,
        p95_cursor_seq = CASE
        WHEN p95_cursor_seq IS NULL OR p95_cursor_duration IS NULL OR duration_count = 1 THEN
            (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
             ORDER BY duration_seconds, seq LIMIT 1
             OFFSET (SELECT CAST((duration_count - 1) * 0.95 AS INTEGER) FROM skill_metrics
                     WHERE skill_name = NEW.skill_name))
        ELSE CASE CAST((duration_count - 1) * 0.95 AS INTEGER) - CAST((duration_count - 2) * 0.95 AS INTEGER)
                  - (CASE WHEN NEW.duration_seconds < p95_cursor_duration
                               OR (NEW.duration_seconds = p95_cursor_duration AND NEW.seq < p95_cursor_seq) THEN 1 ELSE 0 END)
            WHEN 0 THEN p95_cursor_seq
            WHEN 1 THEN coalesce(
                (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p95_cursor_duration AND seq > p95_cursor_seq ORDER BY seq LIMIT 1),
                (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p95_cursor_duration ORDER BY duration_seconds, seq LIMIT 1))
            ELSE coalesce(
                (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p95_cursor_duration AND seq < p95_cursor_seq ORDER BY seq DESC LIMIT 1),
                (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds < p95_cursor_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1))
            END
        END,
        p99_cursor_seq = CASE
        WHEN p99_cursor_seq IS NULL OR p99_cursor_duration IS NULL OR duration_count = 1 THEN
            (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
             ORDER BY duration_seconds, seq LIMIT 1
             OFFSET (SELECT CAST((duration_count - 1) * 0.99 AS INTEGER) FROM skill_metrics
                     WHERE skill_name = NEW.skill_name))
        ELSE CASE CAST((duration_count - 1) * 0.99 AS INTEGER) - CAST((duration_count - 2) * 0.99 AS INTEGER)
                  - (CASE WHEN NEW.duration_seconds < p99_cursor_duration
                               OR (NEW.duration_seconds = p99_cursor_duration AND NEW.seq < p99_cursor_seq) THEN 1 ELSE 0 END)
            WHEN 0 THEN p99_cursor_seq
            WHEN 1 THEN coalesce(
                (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p99_cursor_duration AND seq > p99_cursor_seq ORDER BY seq LIMIT 1),
                (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p99_cursor_duration ORDER BY duration_seconds, seq LIMIT 1))
            ELSE coalesce(
                (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p99_cursor_duration AND seq < p99_cursor_seq ORDER BY seq DESC LIMIT 1),
                (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds < p99_cursor_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1))
            END
        END
    WHERE skill_name = NEW.skill_name;

    UPDATE skill_metrics SET
        p50_cursor_duration = (SELECT duration_seconds FROM skill_invocation WHERE seq = p50_cursor_seq),
        p95_cursor_duration = (SELECT duration_seconds FROM skill_invocation WHERE seq = p95_cursor_seq),
        p99_cursor_duration = (SELECT duration_seconds FROM skill_invocation WHERE seq = p99_cursor_seq)
    WHERE skill_name = NEW.skill_name;

    -- 2. v[f] is the cursor, v[c] its successor; interpolate as numpy does.
    UPDATE skill_metrics SET
        min_duration_seconds = (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                                ORDER BY duration_seconds LIMIT 1),
        max_duration_seconds = (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                                ORDER BY duration_seconds DESC LIMIT 1),
        p50_duration_seconds = CASE WHEN ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER)) >= 0.5
            THEN (CASE WHEN CAST((duration_count - 1) * 0.5 AS INTEGER) >= duration_count - 1 THEN p50_cursor_duration
             ELSE coalesce(
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p50_cursor_duration AND seq > p50_cursor_seq ORDER BY seq LIMIT 1),
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p50_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)) END) - ((CASE WHEN CAST((duration_count - 1) * 0.5 AS INTEGER) >= duration_count - 1 THEN p50_cursor_duration
             ELSE coalesce(
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p50_cursor_duration AND seq > p50_cursor_seq ORDER BY seq LIMIT 1),
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p50_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)) END) - p50_cursor_duration) * (1.0 - ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER)))
            ELSE p50_cursor_duration + ((CASE WHEN CAST((duration_count - 1) * 0.5 AS INTEGER) >= duration_count - 1 THEN p50_cursor_duration
             ELSE coalesce(
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p50_cursor_duration AND seq > p50_cursor_seq ORDER BY seq LIMIT 1),
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p50_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)) END) - p50_cursor_duration) * ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER)) END,
        p95_duration_seconds = CASE WHEN ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER)) >= 0.5
            THEN (CASE WHEN CAST((duration_count - 1) * 0.95 AS INTEGER) >= duration_count - 1 THEN p95_cursor_duration
             ELSE coalesce(
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p95_cursor_duration AND seq > p95_cursor_seq ORDER BY seq LIMIT 1),
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p95_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)) END) - ((CASE WHEN CAST((duration_count - 1) * 0.95 AS INTEGER) >= duration_count - 1 THEN p95_cursor_duration
             ELSE coalesce(
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p95_cursor_duration AND seq > p95_cursor_seq ORDER BY seq LIMIT 1),
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p95_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)) END) - p95_cursor_duration) * (1.0 - ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER)))
            ELSE p95_cursor_duration + ((CASE WHEN CAST((duration_count - 1) * 0.95 AS INTEGER) >= duration_count - 1 THEN p95_cursor_duration
             ELSE coalesce(
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p95_cursor_duration AND seq > p95_cursor_seq ORDER BY seq LIMIT 1),
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p95_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)) END) - p95_cursor_duration) * ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER)) END,
        p99_duration_seconds = CASE WHEN ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER)) >= 0.5
            THEN (CASE WHEN CAST((duration_count - 1) * 0.99 AS INTEGER) >= duration_count - 1 THEN p99_cursor_duration
             ELSE coalesce(
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p99_cursor_duration AND seq > p99_cursor_seq ORDER BY seq LIMIT 1),
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p99_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)) END) - ((CASE WHEN CAST((duration_count - 1) * 0.99 AS INTEGER) >= duration_count - 1 THEN p99_cursor_duration
             ELSE coalesce(
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p99_cursor_duration AND seq > p99_cursor_seq ORDER BY seq LIMIT 1),
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p99_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)) END) - p99_cursor_duration) * (1.0 - ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER)))
            ELSE p99_cursor_duration + ((CASE WHEN CAST((duration_count - 1) * 0.99 AS INTEGER) >= duration_count - 1 THEN p99_cursor_duration
             ELSE coalesce(
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p99_cursor_duration AND seq > p99_cursor_seq ORDER BY seq LIMIT 1),
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p99_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)) END) - p99_cursor_duration) * ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER)) END
    WHERE skill_name = NEW.skill_name;
END;
CREATE TRIGGER skill_invocation_project_workflow_path
AFTER INSERT ON skill_invocation
WHEN NEW.finished = 1
BEGIN
    INSERT INTO skill_workflow_path_fts (rowid, skill_name, workflow_path)
    SELECT NEW.seq, NEW.skill_name, coalesce(NEW.workflow_path, '')
    WHERE NOT EXISTS (SELECT 1 FROM skill_workflow_path
                      WHERE skill_name = NEW.skill_name AND workflow_path = coalesce(NEW.workflow_path, ''));

    INSERT INTO skill_workflow_path (
        id, skill_name, workflow_path, invocation_count, completed_count, total_duration_seconds)
    VALUES (NEW.seq, NEW.skill_name, coalesce(NEW.workflow_path, ''), 1, NEW.completed,
            CASE WHEN NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL
                 THEN 0.0 + NEW.duration_seconds ELSE 0.0 END)
    ON CONFLICT (skill_name, workflow_path) DO UPDATE SET
        invocation_count = invocation_count + 1,
        completed_count = completed_count + excluded.completed_count,
        total_duration_seconds = total_duration_seconds + excluded.total_duration_seconds;
END;
