-- V2: duration percentiles on skill_metrics, full-text search over skills and workflow paths,
-- and the materialised summary table.
--
-- Percentiles (DESIGN.md section 3): min, max, p50, p95, p99 of duration_seconds over the
-- skill's completed events with a non-null duration, numpy's linear method: sorted values v,
-- k = (n-1)*p, f = floor(k), c = min(f+1, n-1), t = k - f, and (as numpy's _lerp computes it)
-- v[f] + (v[c]-v[f])*t when t < 0.5, v[c] - (v[c]-v[f])*(1-t) otherwise. NULL when n = 0.
-- duration_count is n. The trigger keeps, per percentile, a cursor on v[f] and moves it with
-- O(log n) seeks in the partial index below, so an append costs the same whatever the
-- skill's history; the Swift projector computes the same values independently and `verify`
-- compares them.
--
-- SQLite fires the most recently created trigger first, so the percentile trigger cannot rely
-- on V1's skill_metrics trigger having created the row: it inserts the same initial row itself
-- (ON CONFLICT DO NOTHING), whichever runs first.

ALTER TABLE skill_metrics ADD COLUMN duration_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE skill_metrics ADD COLUMN min_duration_seconds REAL;
ALTER TABLE skill_metrics ADD COLUMN max_duration_seconds REAL;
ALTER TABLE skill_metrics ADD COLUMN p50_duration_seconds REAL;
ALTER TABLE skill_metrics ADD COLUMN p95_duration_seconds REAL;
ALTER TABLE skill_metrics ADD COLUMN p99_duration_seconds REAL;
-- The trigger's cursors: (duration, seq) of the value at sorted position floor((n-1)p). A
-- cache, not part of the projection: rebuild leaves them NULL and verify does not compare them.
ALTER TABLE skill_metrics ADD COLUMN p50_cursor_duration REAL;
ALTER TABLE skill_metrics ADD COLUMN p50_cursor_seq INTEGER;
ALTER TABLE skill_metrics ADD COLUMN p95_cursor_duration REAL;
ALTER TABLE skill_metrics ADD COLUMN p95_cursor_seq INTEGER;
ALTER TABLE skill_metrics ADD COLUMN p99_cursor_duration REAL;
ALTER TABLE skill_metrics ADD COLUMN p99_cursor_seq INTEGER;

CREATE INDEX idx_skill_invocation_durations ON skill_invocation (skill_name, duration_seconds)
    WHERE completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL;

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

-- Backfill for a database that already holds events: a temporary trigger runs the same
-- update once per skill.
UPDATE skill_metrics SET duration_count = (
    SELECT count(*) FROM skill_invocation AS e
    WHERE e.skill_name = skill_metrics.skill_name AND e.completed = 1 AND e.finished = 1
      AND e.duration_seconds IS NOT NULL);

CREATE TEMP TABLE v2_backfill (skill_name TEXT NOT NULL);

CREATE TEMP TRIGGER v2_backfill_percentiles
AFTER INSERT ON v2_backfill
BEGIN
    UPDATE skill_metrics SET
        min_duration_seconds = (SELECT duration_seconds FROM skill_invocation
                                 WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1
                                 AND duration_seconds IS NOT NULL
                                 ORDER BY duration_seconds LIMIT 1),
        max_duration_seconds = (SELECT duration_seconds FROM skill_invocation
                                 WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1
                                 AND duration_seconds IS NOT NULL
                                 ORDER BY duration_seconds DESC LIMIT 1),
        p50_duration_seconds = (SELECT CASE WHEN t >= 0.5 THEN b - (b - a) * (1.0 - t) ELSE a + (b - a) * t END
             FROM (SELECT min(d) AS a, max(d) AS b,
                          (((SELECT duration_count FROM skill_metrics WHERE skill_name = NEW.skill_name) - 1) * 0.5)
                          - CAST((((SELECT duration_count FROM skill_metrics WHERE skill_name = NEW.skill_name) - 1) * 0.5) AS INTEGER) AS t
                   FROM (SELECT duration_seconds AS d FROM skill_invocation
                           WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1
                                 AND duration_seconds IS NOT NULL
                           ORDER BY duration_seconds
                           LIMIT 2 OFFSET CAST((((SELECT duration_count FROM skill_metrics WHERE skill_name = NEW.skill_name) - 1) * 0.5) AS INTEGER)))),
        p95_duration_seconds = (SELECT CASE WHEN t >= 0.5 THEN b - (b - a) * (1.0 - t) ELSE a + (b - a) * t END
             FROM (SELECT min(d) AS a, max(d) AS b,
                          (((SELECT duration_count FROM skill_metrics WHERE skill_name = NEW.skill_name) - 1) * 0.95)
                          - CAST((((SELECT duration_count FROM skill_metrics WHERE skill_name = NEW.skill_name) - 1) * 0.95) AS INTEGER) AS t
                   FROM (SELECT duration_seconds AS d FROM skill_invocation
                           WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1
                                 AND duration_seconds IS NOT NULL
                           ORDER BY duration_seconds DESC
                           LIMIT 2 OFFSET max((SELECT duration_count FROM skill_metrics WHERE skill_name = NEW.skill_name) - 2
                                          - CAST((((SELECT duration_count FROM skill_metrics WHERE skill_name = NEW.skill_name) - 1) * 0.95) AS INTEGER), 0)))),
        p99_duration_seconds = (SELECT CASE WHEN t >= 0.5 THEN b - (b - a) * (1.0 - t) ELSE a + (b - a) * t END
             FROM (SELECT min(d) AS a, max(d) AS b,
                          (((SELECT duration_count FROM skill_metrics WHERE skill_name = NEW.skill_name) - 1) * 0.99)
                          - CAST((((SELECT duration_count FROM skill_metrics WHERE skill_name = NEW.skill_name) - 1) * 0.99) AS INTEGER) AS t
                   FROM (SELECT duration_seconds AS d FROM skill_invocation
                           WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1
                                 AND duration_seconds IS NOT NULL
                           ORDER BY duration_seconds DESC
                           LIMIT 2 OFFSET max((SELECT duration_count FROM skill_metrics WHERE skill_name = NEW.skill_name) - 2
                                          - CAST((((SELECT duration_count FROM skill_metrics WHERE skill_name = NEW.skill_name) - 1) * 0.99) AS INTEGER), 0))))
    WHERE skill_name = NEW.skill_name;
END;

INSERT INTO v2_backfill (skill_name) SELECT skill_name FROM skill_metrics WHERE duration_count > 0;
DROP TRIGGER v2_backfill_percentiles;
DROP TABLE v2_backfill;

-- Full-text search: one row per distinct (skill, workflow path) of finished events ('' for no
-- path), with its counts, kept by a trigger on the same insert as every projection. The FTS5
-- index (trigram tokenizer: any substring of three or more characters, case-insensitive)
-- reads its text from this table.
CREATE TABLE skill_workflow_path (
    id                     INTEGER PRIMARY KEY,   -- seq of the pair's first event
    skill_name             TEXT    NOT NULL,
    workflow_path          TEXT    NOT NULL,
    invocation_count       INTEGER NOT NULL,
    completed_count        INTEGER NOT NULL,
    -- sum of the non-null durations of completed events
    total_duration_seconds REAL    NOT NULL,
    UNIQUE (skill_name, workflow_path)
);

CREATE VIRTUAL TABLE skill_workflow_path_fts USING fts5(
    skill_name, workflow_path, content = 'skill_workflow_path', content_rowid = 'id',
    tokenize = 'trigram');

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

INSERT INTO skill_workflow_path (
    id, skill_name, workflow_path, invocation_count, completed_count, total_duration_seconds)
SELECT min(seq), skill_name, coalesce(workflow_path, ''), count(*), sum(completed),
       total(CASE WHEN completed = 1 THEN duration_seconds END)
FROM skill_invocation WHERE finished = 1
GROUP BY skill_name, coalesce(workflow_path, '');

INSERT INTO skill_workflow_path_fts (skill_workflow_path_fts) VALUES ('rebuild');

-- The materialised summary (one row), written only by `refresh-summary`; through_seq says
-- which events it covers, so its staleness is the number of events after it.
CREATE TABLE skill_metrics_summary (
    id                      INTEGER PRIMARY KEY CHECK (id = 1),
    refreshed_at            TEXT    NOT NULL,
    through_seq             INTEGER NOT NULL,
    total_skills            INTEGER NOT NULL,
    total_invocations       INTEGER NOT NULL,
    overall_completion_rate REAL    NOT NULL,
    most_used_skill         TEXT,
    most_used_count         INTEGER,
    avg_duration_seconds    REAL    NOT NULL,
    -- JSON arrays of [name, count] pairs, most frequent first
    top_errors              TEXT    NOT NULL,
    top_workflow_paths      TEXT    NOT NULL
);
