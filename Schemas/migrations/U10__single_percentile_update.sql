-- Undo V10: V9's projection trigger, percentile reposition and seek triggers, each re-created
-- from its released text, and the FTS5 search index with its trigger, filled from the
-- skill_workflow_path rows.

DROP TRIGGER skill_invocation_project;
DROP TRIGGER skill_totals_percentile_reposition;

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

CREATE TRIGGER skill_totals_percentile_reposition
AFTER UPDATE OF percentile_reposition ON skill_totals
BEGIN
    -- V6's step 1: each cursor to its position for the new count (at most one seek, or OFFSET
    -- when there is no cursor).
    UPDATE skill_totals SET
        p50_cursor_seq = CASE
        WHEN p50_cursor_seq IS NULL OR p50_cursor_duration IS NULL OR duration_count = 1 THEN
            (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
             ORDER BY duration_seconds, seq LIMIT 1
             OFFSET (SELECT CAST((duration_count - 1) * 0.5 AS INTEGER) FROM skill_totals WHERE skill_name = NEW.skill_name))
        ELSE CASE CAST((duration_count - 1) * 0.5 AS INTEGER) - CAST((duration_count - 2) * 0.5 AS INTEGER)
                  - (CASE WHEN (SELECT e.duration_seconds FROM skill_invocation AS e WHERE e.seq = NEW.percentile_reposition) < p50_cursor_duration
                               OR ((SELECT e.duration_seconds FROM skill_invocation AS e WHERE e.seq = NEW.percentile_reposition) = p50_cursor_duration AND NEW.percentile_reposition < p50_cursor_seq) THEN 1 ELSE 0 END)
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
                  - (CASE WHEN (SELECT e.duration_seconds FROM skill_invocation AS e WHERE e.seq = NEW.percentile_reposition) < p95_cursor_duration
                               OR ((SELECT e.duration_seconds FROM skill_invocation AS e WHERE e.seq = NEW.percentile_reposition) = p95_cursor_duration AND NEW.percentile_reposition < p95_cursor_seq) THEN 1 ELSE 0 END)
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
                  - (CASE WHEN (SELECT e.duration_seconds FROM skill_invocation AS e WHERE e.seq = NEW.percentile_reposition) < p99_cursor_duration
                               OR ((SELECT e.duration_seconds FROM skill_invocation AS e WHERE e.seq = NEW.percentile_reposition) = p99_cursor_duration AND NEW.percentile_reposition < p99_cursor_seq) THEN 1 ELSE 0 END)
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

    -- V6's step 2: the cursors' durations and their successors (duration and seq).
    UPDATE skill_totals SET
        (p50_cursor_duration, p50_next_duration, p50_next_seq) = (
            SELECT c.duration_seconds, s.duration_seconds, s.seq
            FROM skill_invocation AS c, (
                SELECT duration_seconds, seq FROM skill_invocation WHERE seq = p50_cursor_seq
                  AND CAST((duration_count - 1) * 0.5 AS INTEGER) >= duration_count - 1
                UNION ALL
                SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = (SELECT duration_seconds FROM skill_invocation WHERE seq = p50_cursor_seq)
                   AND seq > p50_cursor_seq ORDER BY seq LIMIT 1)
                UNION ALL
                SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > (SELECT duration_seconds FROM skill_invocation WHERE seq = p50_cursor_seq)
                   ORDER BY duration_seconds, seq LIMIT 1)
                LIMIT 1) AS s
            WHERE c.seq = p50_cursor_seq),
        (p95_cursor_duration, p95_next_duration, p95_next_seq) = (
            SELECT c.duration_seconds, s.duration_seconds, s.seq
            FROM skill_invocation AS c, (
                SELECT duration_seconds, seq FROM skill_invocation WHERE seq = p95_cursor_seq
                  AND CAST((duration_count - 1) * 0.95 AS INTEGER) >= duration_count - 1
                UNION ALL
                SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = (SELECT duration_seconds FROM skill_invocation WHERE seq = p95_cursor_seq)
                   AND seq > p95_cursor_seq ORDER BY seq LIMIT 1)
                UNION ALL
                SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > (SELECT duration_seconds FROM skill_invocation WHERE seq = p95_cursor_seq)
                   ORDER BY duration_seconds, seq LIMIT 1)
                LIMIT 1) AS s
            WHERE c.seq = p95_cursor_seq),
        (p99_cursor_duration, p99_next_duration, p99_next_seq) = (
            SELECT c.duration_seconds, s.duration_seconds, s.seq
            FROM skill_invocation AS c, (
                SELECT duration_seconds, seq FROM skill_invocation WHERE seq = p99_cursor_seq
                  AND CAST((duration_count - 1) * 0.99 AS INTEGER) >= duration_count - 1
                UNION ALL
                SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = (SELECT duration_seconds FROM skill_invocation WHERE seq = p99_cursor_seq)
                   AND seq > p99_cursor_seq ORDER BY seq LIMIT 1)
                UNION ALL
                SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > (SELECT duration_seconds FROM skill_invocation WHERE seq = p99_cursor_seq)
                   ORDER BY duration_seconds, seq LIMIT 1)
                LIMIT 1) AS s
            WHERE c.seq = p99_cursor_seq)
    WHERE skill_name = NEW.skill_name;
END;

CREATE TRIGGER skill_totals_percentile_seek
AFTER UPDATE OF percentile_seek ON skill_totals
BEGIN
    UPDATE skill_totals SET
        (p50_cursor_duration, p50_cursor_seq) = (
            SELECT p50_cursor_duration, p50_cursor_seq WHERE p50_cursor_seq IS NOT NULL
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p50_next_duration AND seq < p50_next_seq ORDER BY seq DESC LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds < p50_next_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)
            LIMIT 1),
        (p50_next_duration, p50_next_seq) = (
            SELECT p50_next_duration, p50_next_seq WHERE p50_next_seq IS NOT NULL
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p50_cursor_duration AND seq > p50_cursor_seq ORDER BY seq LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p50_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)
            LIMIT 1),
        (p95_cursor_duration, p95_cursor_seq) = (
            SELECT p95_cursor_duration, p95_cursor_seq WHERE p95_cursor_seq IS NOT NULL
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p95_next_duration AND seq < p95_next_seq ORDER BY seq DESC LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds < p95_next_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)
            LIMIT 1),
        (p95_next_duration, p95_next_seq) = (
            SELECT p95_next_duration, p95_next_seq WHERE p95_next_seq IS NOT NULL
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p95_cursor_duration AND seq > p95_cursor_seq ORDER BY seq LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p95_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)
            LIMIT 1),
        (p99_cursor_duration, p99_cursor_seq) = (
            SELECT p99_cursor_duration, p99_cursor_seq WHERE p99_cursor_seq IS NOT NULL
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p99_next_duration AND seq < p99_next_seq ORDER BY seq DESC LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds < p99_next_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)
            LIMIT 1),
        (p99_next_duration, p99_next_seq) = (
            SELECT p99_next_duration, p99_next_seq WHERE p99_next_seq IS NOT NULL
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p99_cursor_duration AND seq > p99_cursor_seq ORDER BY seq LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p99_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)
            LIMIT 1)
    WHERE skill_name = NEW.skill_name AND (p50_cursor_seq IS NULL OR p50_next_seq IS NULL OR p95_cursor_seq IS NULL OR p95_next_seq IS NULL OR p99_cursor_seq IS NULL OR p99_next_seq IS NULL);
END;

CREATE VIRTUAL TABLE skill_workflow_path_fts USING fts5(
    skill_name, workflow_path, content = 'skill_workflow_path', content_rowid = 'id',
    tokenize = 'trigram');

CREATE TRIGGER skill_workflow_path_index
AFTER INSERT ON skill_workflow_path
BEGIN
    INSERT INTO skill_workflow_path_fts (rowid, skill_name, workflow_path)
    VALUES (NEW.id, NEW.skill_name, NEW.workflow_path);
END;

INSERT INTO skill_workflow_path_fts (skill_workflow_path_fts) VALUES ('rebuild');
