-- V5: projections whose live cost does not depend on the workload (issue 9).
--
-- * skill_totals: one row per skill with the scalar fields (and the percentile cursors, a cache).
-- * skill_key_count: one row per (skill, field, key) of the three legacy count dictionaries
--   ('workflow_paths', 'common_errors', 'follow_up_actions'), with the order of first appearance
--   as (first_seq, first_index): first_index is the key's position in the event's follow-up
--   list, 0 for the other fields. An event costs one UPSERT per key instead of re-reading and
--   re-serialising whole dictionaries.
-- * skill_metrics becomes a VIEW with the V4 table's columns: the dictionaries are assembled on
--   read with json_group_object in order of (first_seq, first_index); completion_rate and
--   avg_duration_seconds are kept in skill_totals by the trigger with the V1 REAL expressions.
--   An INSTEAD OF UPDATE trigger writes an UPDATE of the view through to the tables (SQL that
--   edited the V4 table, e.g. to test verify, keeps working).
-- * One AFTER INSERT trigger runs every projection statement of an event (skill_totals, the
--   count rows, session_skill, skill_workflow_path); the FTS row is written by a trigger on
--   skill_workflow_path's INSERT (only a new (skill, path) pair pays for it). Percentiles stay
--   in their own trigger (only completed events with a duration fire it); the successor of each
--   cursor is looked up once per event and cached, min and max are kept incrementally.
-- * The BEFORE INSERT check runs one statement; indexes no query uses are dropped.

CREATE TABLE skill_totals (
    skill_name             TEXT    PRIMARY KEY NOT NULL,
    total_invocations      INTEGER NOT NULL,
    completed_invocations  INTEGER NOT NULL,
    abandoned_invocations  INTEGER NOT NULL,
    total_duration_seconds REAL    NOT NULL,
    first_invoked          TEXT    NOT NULL,
    last_invoked           TEXT    NOT NULL,
    first_seq              INTEGER NOT NULL,
    last_seq               INTEGER NOT NULL,
    duration_count         INTEGER NOT NULL DEFAULT 0,
    min_duration_seconds   REAL,
    max_duration_seconds   REAL,
    p50_duration_seconds   REAL,
    p95_duration_seconds   REAL,
    p99_duration_seconds   REAL,
    schema_version         INTEGER NOT NULL DEFAULT 1,
    -- Kept by the trigger with the V1 expressions (stored, so that the view reads them as the V4
    -- table did and a tampered value is visible to verify).
    completion_rate        REAL    NOT NULL DEFAULT 0.0,
    avg_duration_seconds   REAL    NOT NULL DEFAULT 0.0,
    -- The percentile trigger's cache (rebuild leaves it NULL, verify does not compare it):
    -- per percentile the (duration, seq) at sorted position f = floor((n-1)p) and the value at
    -- c = min(f+1, n-1).
    p50_cursor_duration    REAL,
    p50_cursor_seq         INTEGER,
    p50_next_duration      REAL,
    p95_cursor_duration    REAL,
    p95_cursor_seq         INTEGER,
    p95_next_duration      REAL,
    p99_cursor_duration    REAL,
    p99_cursor_seq         INTEGER,
    p99_next_duration      REAL
);

CREATE TABLE skill_key_count (
    skill_name  TEXT    NOT NULL,
    field       TEXT    NOT NULL CHECK (field IN ('workflow_paths', 'common_errors', 'follow_up_actions')),
    key         TEXT    NOT NULL,
    count       INTEGER NOT NULL,
    first_seq   INTEGER NOT NULL,
    first_index INTEGER NOT NULL,
    PRIMARY KEY (skill_name, field, key)
) WITHOUT ROWID;

-- Backfill from the V4 table (scalars, percentiles, cursors) and from the log (count rows).
INSERT INTO skill_totals (
    skill_name, total_invocations, completed_invocations, abandoned_invocations,
    total_duration_seconds, first_invoked, last_invoked, first_seq, last_seq, duration_count,
    min_duration_seconds, max_duration_seconds, p50_duration_seconds, p95_duration_seconds,
    p99_duration_seconds, schema_version, completion_rate, avg_duration_seconds)
SELECT skill_name, total_invocations, completed_invocations, abandoned_invocations,
       total_duration_seconds, first_invoked, last_invoked, first_seq, last_seq, duration_count,
       min_duration_seconds, max_duration_seconds, p50_duration_seconds, p95_duration_seconds,
       p99_duration_seconds, schema_version, completion_rate, avg_duration_seconds
FROM skill_metrics ORDER BY first_seq;

INSERT INTO skill_key_count (skill_name, field, key, count, first_seq, first_index)
SELECT skill_name, 'workflow_paths', workflow_path, count(*), min(seq), 0
FROM skill_invocation WHERE finished = 1 AND workflow_path IS NOT NULL AND workflow_path <> ''
GROUP BY skill_name, workflow_path;

INSERT INTO skill_key_count (skill_name, field, key, count, first_seq, first_index)
SELECT skill_name, 'common_errors', error_type, count(*), min(seq), 0
FROM skill_invocation WHERE finished = 1 AND error_type IS NOT NULL AND error_type <> ''
GROUP BY skill_name, error_type;

-- Follow-ups: each key's count, and its first (seq, position), in one windowed pass.
INSERT INTO skill_key_count (skill_name, field, key, count, first_seq, first_index)
SELECT skill_name, 'follow_up_actions', key, count, seq, position FROM (
    SELECT e.skill_name AS skill_name, a.value AS key, e.seq AS seq, CAST(a.key AS INTEGER) AS position,
           row_number() OVER (PARTITION BY e.skill_name, a.value ORDER BY e.seq, CAST(a.key AS INTEGER)) AS r,
           count(*) OVER (PARTITION BY e.skill_name, a.value) AS count
    FROM skill_invocation AS e, json_each(e.follow_up_actions) AS a
    WHERE e.finished = 1 AND e.follow_up_actions <> '[]')
WHERE r = 1;

-- The cursors: the V4 ones, and the cached successor values, set from the index.
UPDATE skill_totals SET
    (p50_cursor_duration, p50_cursor_seq, p95_cursor_duration, p95_cursor_seq,
     p99_cursor_duration, p99_cursor_seq) =
    (SELECT p50_cursor_duration, p50_cursor_seq, p95_cursor_duration, p95_cursor_seq,
            p99_cursor_duration, p99_cursor_seq
     FROM skill_metrics WHERE skill_metrics.skill_name = skill_totals.skill_name)
WHERE duration_count > 0;

DROP TRIGGER skill_invocation_project_skill_metrics;
DROP TRIGGER skill_invocation_project_session_skill;
DROP TRIGGER skill_invocation_project_percentiles;
DROP TRIGGER skill_invocation_project_workflow_path;
DROP TRIGGER skill_invocation_check_insert;
DROP INDEX idx_skill_metrics_first_seq;
DROP TABLE skill_metrics;

-- Indexes no query reads (each costs a B-tree insert per event).
DROP INDEX idx_skill_invocation_completed;
DROP INDEX idx_skill_invocation_session;
DROP INDEX idx_session_skill_skill;

CREATE VIEW skill_metrics AS
SELECT t.skill_name AS skill_name,
       t.total_invocations AS total_invocations,
       t.completed_invocations AS completed_invocations,
       t.abandoned_invocations AS abandoned_invocations,
       t.total_duration_seconds AS total_duration_seconds,
       (SELECT json_group_object(key, count) FROM (
            SELECT key, count FROM skill_key_count
            WHERE skill_name = t.skill_name AND field = 'workflow_paths'
            ORDER BY first_seq, first_index)) AS workflow_paths,
       (SELECT json_group_object(key, count) FROM (
            SELECT key, count FROM skill_key_count
            WHERE skill_name = t.skill_name AND field = 'common_errors'
            ORDER BY first_seq, first_index)) AS common_errors,
       (SELECT json_group_object(key, count) FROM (
            SELECT key, count FROM skill_key_count
            WHERE skill_name = t.skill_name AND field = 'follow_up_actions'
            ORDER BY first_seq, first_index)) AS follow_up_actions,
       t.first_invoked AS first_invoked,
       t.last_invoked AS last_invoked,
       t.completion_rate AS completion_rate,
       t.avg_duration_seconds AS avg_duration_seconds,
       t.first_seq AS first_seq,
       t.last_seq AS last_seq,
       t.schema_version AS schema_version,
       t.duration_count AS duration_count,
       t.min_duration_seconds AS min_duration_seconds,
       t.max_duration_seconds AS max_duration_seconds,
       t.p50_duration_seconds AS p50_duration_seconds,
       t.p95_duration_seconds AS p95_duration_seconds,
       t.p99_duration_seconds AS p99_duration_seconds
FROM skill_totals AS t;

-- V2 backfilled the search table's sums with total() over a GROUP BY, whose order is not seq
-- order; recompute them as the trigger adds them (a running sum in seq order).
CREATE TEMP TABLE v5_path_sums (
    skill_name TEXT NOT NULL, workflow_path TEXT NOT NULL, total REAL NOT NULL,
    PRIMARY KEY (skill_name, workflow_path));
INSERT INTO v5_path_sums (skill_name, workflow_path, total)
SELECT skill_name, path, total FROM (
    SELECT skill_name, coalesce(workflow_path, '') AS path,
           sum(CASE WHEN completed = 1 AND duration_seconds IS NOT NULL THEN duration_seconds ELSE 0.0 END)
               OVER (PARTITION BY skill_name, coalesce(workflow_path, '') ORDER BY seq
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS total,
           row_number() OVER (PARTITION BY skill_name, coalesce(workflow_path, '') ORDER BY seq DESC) AS r
    FROM skill_invocation WHERE finished = 1)
WHERE r = 1;
UPDATE skill_workflow_path SET total_duration_seconds = (
    SELECT s.total FROM v5_path_sums AS s
    WHERE s.skill_name = skill_workflow_path.skill_name AND s.workflow_path = skill_workflow_path.workflow_path);
DROP TABLE v5_path_sums;

-- An UPDATE of the view goes to the tables: the scalar columns to skill_totals, a changed
-- dictionary replaces the skill's count rows of that field (in the dictionary's order).
CREATE TRIGGER skill_metrics_update
INSTEAD OF UPDATE ON skill_metrics
BEGIN
    UPDATE skill_totals SET
        skill_name = NEW.skill_name,
        total_invocations = NEW.total_invocations,
        completed_invocations = NEW.completed_invocations,
        abandoned_invocations = NEW.abandoned_invocations,
        total_duration_seconds = NEW.total_duration_seconds,
        first_invoked = NEW.first_invoked,
        last_invoked = NEW.last_invoked,
        completion_rate = NEW.completion_rate,
        avg_duration_seconds = NEW.avg_duration_seconds,
        first_seq = NEW.first_seq,
        last_seq = NEW.last_seq,
        schema_version = NEW.schema_version,
        duration_count = NEW.duration_count,
        min_duration_seconds = NEW.min_duration_seconds,
        max_duration_seconds = NEW.max_duration_seconds,
        p50_duration_seconds = NEW.p50_duration_seconds,
        p95_duration_seconds = NEW.p95_duration_seconds,
        p99_duration_seconds = NEW.p99_duration_seconds
    WHERE skill_name = OLD.skill_name;
    UPDATE skill_key_count SET skill_name = NEW.skill_name
    WHERE skill_name = OLD.skill_name AND NEW.skill_name IS NOT OLD.skill_name;
    DELETE FROM skill_key_count
    WHERE skill_name = NEW.skill_name
      AND ((field = 'workflow_paths' AND NEW.workflow_paths IS NOT OLD.workflow_paths)
        OR (field = 'common_errors' AND NEW.common_errors IS NOT OLD.common_errors)
        OR (field = 'follow_up_actions' AND NEW.follow_up_actions IS NOT OLD.follow_up_actions));
    INSERT INTO skill_key_count (skill_name, field, key, count, first_seq, first_index)
    SELECT NEW.skill_name, 'workflow_paths', key, value, NEW.first_seq, id FROM json_each(NEW.workflow_paths)
    WHERE NEW.workflow_paths IS NOT OLD.workflow_paths
    UNION ALL
    SELECT NEW.skill_name, 'common_errors', key, value, NEW.first_seq, id FROM json_each(NEW.common_errors)
    WHERE NEW.common_errors IS NOT OLD.common_errors
    UNION ALL
    SELECT NEW.skill_name, 'follow_up_actions', key, value, NEW.first_seq, id FROM json_each(NEW.follow_up_actions)
    WHERE NEW.follow_up_actions IS NOT OLD.follow_up_actions;
END;

-- The insert guards of V1, same rejections and messages. The id and seq guards run only when
-- the WHEN clause finds a violation (an id already stored: INSERT OR REPLACE would otherwise
-- delete the old row without firing the DELETE trigger; an explicit seq inside the log). The
-- follow-up element check of a finished event is part of the projection trigger's count rows
-- (one json_each per event instead of two); an unfinished event gets its own small trigger.
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

-- Every projection of a finished event, in one trigger.
CREATE TRIGGER skill_invocation_project
AFTER INSERT ON skill_invocation
WHEN NEW.finished = 1
BEGIN
    INSERT INTO skill_totals (
        skill_name, total_invocations, completed_invocations, abandoned_invocations,
        total_duration_seconds, first_invoked, last_invoked, first_seq, last_seq,
        completion_rate, avg_duration_seconds)
    VALUES (NEW.skill_name, 1, NEW.completed, 1 - NEW.completed,
            CASE WHEN NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL AND NEW.duration_seconds <> 0
                 THEN 0.0 + NEW.duration_seconds ELSE 0.0 END,
            NEW.invoked_at, NEW.invoked_at, NEW.seq, NEW.seq,
            (CAST(NEW.completed AS REAL) / CAST(1 AS REAL)) * 100.0,
            CASE WHEN NEW.completed = 0 THEN 0.0
                 ELSE (CASE WHEN NEW.duration_seconds IS NOT NULL AND NEW.duration_seconds <> 0
                            THEN 0.0 + NEW.duration_seconds ELSE 0.0 END) / CAST(1 AS REAL) END)
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
                 / CAST(completed_invocations + NEW.completed AS REAL) END;

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
END;

-- The search index row of a new (skill, path) pair (an UPSERT's DO UPDATE fires no INSERT trigger).
CREATE TRIGGER skill_workflow_path_index
AFTER INSERT ON skill_workflow_path
BEGIN
    INSERT INTO skill_workflow_path_fts (rowid, skill_name, workflow_path)
    VALUES (NEW.id, NEW.skill_name, NEW.workflow_path);
END;

-- Percentiles (DESIGN.md §3, numpy's linear method, see V2 for the lerp), fired only by a
-- completed event with a duration. Whichever of the two triggers SQLite runs first, the row
-- exists after its UPSERT, and each trigger writes only its own columns. The p*_next_duration
-- columns are per-event temporaries of steps 2 and 3.
CREATE TRIGGER skill_invocation_project_percentiles
AFTER INSERT ON skill_invocation
WHEN NEW.finished = 1 AND NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL
BEGIN
    INSERT INTO skill_totals (
        skill_name, total_invocations, completed_invocations, abandoned_invocations,
        total_duration_seconds, first_invoked, last_invoked, first_seq, last_seq,
        duration_count, min_duration_seconds, max_duration_seconds)
    VALUES (NEW.skill_name, 0, 0, 0, 0.0, NEW.invoked_at, NEW.invoked_at, NEW.seq, NEW.seq,
            1, NEW.duration_seconds, NEW.duration_seconds)
    ON CONFLICT (skill_name) DO UPDATE SET
        duration_count = duration_count + 1,
        min_duration_seconds = CASE
            WHEN min_duration_seconds IS NULL OR NEW.duration_seconds < min_duration_seconds
            THEN NEW.duration_seconds ELSE min_duration_seconds END,
        max_duration_seconds = CASE
            WHEN max_duration_seconds IS NULL OR NEW.duration_seconds >= max_duration_seconds
            THEN NEW.duration_seconds ELSE max_duration_seconds END;

    -- 1. Move each cursor to its position for the new n (see V2: at most one seek).
    UPDATE skill_totals SET
        p50_cursor_seq = CASE
        WHEN p50_cursor_seq IS NULL OR p50_cursor_duration IS NULL OR duration_count = 1 THEN
            (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
             ORDER BY duration_seconds, seq LIMIT 1
             OFFSET (SELECT CAST((duration_count - 1) * 0.5 AS INTEGER) FROM skill_totals WHERE skill_name = NEW.skill_name))
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
             OFFSET (SELECT CAST((duration_count - 1) * 0.95 AS INTEGER) FROM skill_totals WHERE skill_name = NEW.skill_name))
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
             OFFSET (SELECT CAST((duration_count - 1) * 0.99 AS INTEGER) FROM skill_totals WHERE skill_name = NEW.skill_name))
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

    -- 2. The cursors' durations and their successors (c = f + 1 unless f is the last position),
    --    each looked up once.
    UPDATE skill_totals SET
        (p50_cursor_duration, p50_next_duration) = (
            SELECT c.duration_seconds, CASE WHEN CAST((duration_count - 1) * 0.5 AS INTEGER) >= duration_count - 1
                THEN c.duration_seconds ELSE coalesce(
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = c.duration_seconds AND seq > c.seq ORDER BY seq LIMIT 1),
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > c.duration_seconds ORDER BY duration_seconds, seq LIMIT 1)) END
            FROM skill_invocation AS c WHERE c.seq = p50_cursor_seq),
        (p95_cursor_duration, p95_next_duration) = (
            SELECT c.duration_seconds, CASE WHEN CAST((duration_count - 1) * 0.95 AS INTEGER) >= duration_count - 1
                THEN c.duration_seconds ELSE coalesce(
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = c.duration_seconds AND seq > c.seq ORDER BY seq LIMIT 1),
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > c.duration_seconds ORDER BY duration_seconds, seq LIMIT 1)) END
            FROM skill_invocation AS c WHERE c.seq = p95_cursor_seq),
        (p99_cursor_duration, p99_next_duration) = (
            SELECT c.duration_seconds, CASE WHEN CAST((duration_count - 1) * 0.99 AS INTEGER) >= duration_count - 1
                THEN c.duration_seconds ELSE coalesce(
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = c.duration_seconds AND seq > c.seq ORDER BY seq LIMIT 1),
                (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > c.duration_seconds ORDER BY duration_seconds, seq LIMIT 1)) END
            FROM skill_invocation AS c WHERE c.seq = p99_cursor_seq)
    WHERE skill_name = NEW.skill_name;

    -- 3. Interpolate from the cached values (numpy's _lerp).
    UPDATE skill_totals SET
        p50_duration_seconds = CASE WHEN ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER)) >= 0.5
            THEN p50_next_duration - (p50_next_duration - p50_cursor_duration) * (1.0 - ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER)))
            ELSE p50_cursor_duration + (p50_next_duration - p50_cursor_duration) * ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER)) END,
        p95_duration_seconds = CASE WHEN ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER)) >= 0.5
            THEN p95_next_duration - (p95_next_duration - p95_cursor_duration) * (1.0 - ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER)))
            ELSE p95_cursor_duration + (p95_next_duration - p95_cursor_duration) * ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER)) END,
        p99_duration_seconds = CASE WHEN ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER)) >= 0.5
            THEN p99_next_duration - (p99_next_duration - p99_cursor_duration) * (1.0 - ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER)))
            ELSE p99_cursor_duration + (p99_next_duration - p99_cursor_duration) * ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER)) END
    WHERE skill_name = NEW.skill_name;
END;
