-- Undo V11: V10's view, view UPDATE trigger and projection trigger, each re-created from its
-- released text, and the workflow_paths count rows written back from the skill_workflow_path
-- rows (count = invocation_count, first_seq = id, first_index 0).

DROP VIEW skill_metrics;
DROP TRIGGER skill_invocation_project;

INSERT INTO skill_key_count (skill_name, field, key, count, first_seq, first_index)
SELECT skill_name, 'workflow_paths', workflow_path, invocation_count, id, 0
FROM skill_workflow_path WHERE workflow_path <> '';

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


    -- Percentiles (DESIGN.md §3, numpy's linear method over the skill's durations ordered by
    -- (duration_seconds, seq)), only for a completed event with a duration. With a valid cache
    -- (the cursors positioned for the count before this event), one UPDATE moves each cursor by
    -- at most one place, looks up the one neighbour the move leaves unknown (a successor after a
    -- step forward, a predecessor after a step back: one index seek, run only in the branch that
    -- needs it) and interpolates the value: one write of the row. V9 wrote it up to three more
    -- times (the cached step, the seek trigger, the interpolation) and tested it twice.
    UPDATE skill_totals SET
        (p50_cursor_duration, p50_cursor_seq, p50_next_duration, p50_next_seq, p50_duration_seconds) = (
            SELECT m.cd, m.cs, m.nd, m.ns, CASE WHEN ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER)) >= 0.5 THEN m.nd - (m.nd - m.cd) * (1.0 - ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER))) ELSE m.cd + (m.nd - m.cd) * ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER)) END FROM (
                SELECT p50_cursor_duration AS cd, p50_cursor_seq AS cs,
                       CASE WHEN (NEW.duration_seconds >= p50_cursor_duration AND NEW.duration_seconds < p50_next_duration) THEN NEW.duration_seconds ELSE p50_next_duration END AS nd,
                       CASE WHEN (NEW.duration_seconds >= p50_cursor_duration AND NEW.duration_seconds < p50_next_duration) THEN NEW.seq ELSE p50_next_seq END AS ns
                WHERE (CAST((duration_count - 1) * 0.5 AS INTEGER) - CAST((duration_count - 2) * 0.5 AS INTEGER) - (NEW.duration_seconds < p50_cursor_duration)) = 0
                UNION ALL
                SELECT NEW.duration_seconds, NEW.seq, p50_next_duration, p50_next_seq WHERE (CAST((duration_count - 1) * 0.5 AS INTEGER) - CAST((duration_count - 2) * 0.5 AS INTEGER) - (NEW.duration_seconds < p50_cursor_duration)) = 1 AND (NEW.duration_seconds >= p50_cursor_duration AND NEW.duration_seconds < p50_next_duration)
                UNION ALL
                SELECT * FROM (SELECT p50_next_duration, p50_next_seq, s.duration_seconds, s.seq FROM (
                    SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                        AND duration_seconds = p50_next_duration AND seq > p50_next_seq ORDER BY seq LIMIT 1)
                    UNION ALL
                    SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                        AND duration_seconds > p50_next_duration ORDER BY duration_seconds, seq LIMIT 1)
                    LIMIT 1) AS s WHERE (CAST((duration_count - 1) * 0.5 AS INTEGER) - CAST((duration_count - 2) * 0.5 AS INTEGER) - (NEW.duration_seconds < p50_cursor_duration)) = 1 AND NOT (NEW.duration_seconds >= p50_cursor_duration AND NEW.duration_seconds < p50_next_duration))
                UNION ALL
                SELECT * FROM (SELECT r.duration_seconds, r.seq, p50_cursor_duration, p50_cursor_seq FROM (
                    SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                        AND duration_seconds = p50_cursor_duration AND seq < p50_cursor_seq ORDER BY seq DESC LIMIT 1)
                    UNION ALL
                    SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                        AND duration_seconds < p50_cursor_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)
                    LIMIT 1) AS r WHERE (CAST((duration_count - 1) * 0.5 AS INTEGER) - CAST((duration_count - 2) * 0.5 AS INTEGER) - (NEW.duration_seconds < p50_cursor_duration)) = -1)
                LIMIT 1) AS m),
        (p95_cursor_duration, p95_cursor_seq, p95_next_duration, p95_next_seq, p95_duration_seconds) = (
            SELECT m.cd, m.cs, m.nd, m.ns, CASE WHEN ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER)) >= 0.5 THEN m.nd - (m.nd - m.cd) * (1.0 - ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER))) ELSE m.cd + (m.nd - m.cd) * ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER)) END FROM (
                SELECT p95_cursor_duration AS cd, p95_cursor_seq AS cs,
                       CASE WHEN (NEW.duration_seconds >= p95_cursor_duration AND NEW.duration_seconds < p95_next_duration) THEN NEW.duration_seconds ELSE p95_next_duration END AS nd,
                       CASE WHEN (NEW.duration_seconds >= p95_cursor_duration AND NEW.duration_seconds < p95_next_duration) THEN NEW.seq ELSE p95_next_seq END AS ns
                WHERE (CAST((duration_count - 1) * 0.95 AS INTEGER) - CAST((duration_count - 2) * 0.95 AS INTEGER) - (NEW.duration_seconds < p95_cursor_duration)) = 0
                UNION ALL
                SELECT NEW.duration_seconds, NEW.seq, p95_next_duration, p95_next_seq WHERE (CAST((duration_count - 1) * 0.95 AS INTEGER) - CAST((duration_count - 2) * 0.95 AS INTEGER) - (NEW.duration_seconds < p95_cursor_duration)) = 1 AND (NEW.duration_seconds >= p95_cursor_duration AND NEW.duration_seconds < p95_next_duration)
                UNION ALL
                SELECT * FROM (SELECT p95_next_duration, p95_next_seq, s.duration_seconds, s.seq FROM (
                    SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                        AND duration_seconds = p95_next_duration AND seq > p95_next_seq ORDER BY seq LIMIT 1)
                    UNION ALL
                    SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                        AND duration_seconds > p95_next_duration ORDER BY duration_seconds, seq LIMIT 1)
                    LIMIT 1) AS s WHERE (CAST((duration_count - 1) * 0.95 AS INTEGER) - CAST((duration_count - 2) * 0.95 AS INTEGER) - (NEW.duration_seconds < p95_cursor_duration)) = 1 AND NOT (NEW.duration_seconds >= p95_cursor_duration AND NEW.duration_seconds < p95_next_duration))
                UNION ALL
                SELECT * FROM (SELECT r.duration_seconds, r.seq, p95_cursor_duration, p95_cursor_seq FROM (
                    SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                        AND duration_seconds = p95_cursor_duration AND seq < p95_cursor_seq ORDER BY seq DESC LIMIT 1)
                    UNION ALL
                    SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                        AND duration_seconds < p95_cursor_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)
                    LIMIT 1) AS r WHERE (CAST((duration_count - 1) * 0.95 AS INTEGER) - CAST((duration_count - 2) * 0.95 AS INTEGER) - (NEW.duration_seconds < p95_cursor_duration)) = -1)
                LIMIT 1) AS m),
        (p99_cursor_duration, p99_cursor_seq, p99_next_duration, p99_next_seq, p99_duration_seconds) = (
            SELECT m.cd, m.cs, m.nd, m.ns, CASE WHEN ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER)) >= 0.5 THEN m.nd - (m.nd - m.cd) * (1.0 - ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER))) ELSE m.cd + (m.nd - m.cd) * ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER)) END FROM (
                SELECT p99_cursor_duration AS cd, p99_cursor_seq AS cs,
                       CASE WHEN (NEW.duration_seconds >= p99_cursor_duration AND NEW.duration_seconds < p99_next_duration) THEN NEW.duration_seconds ELSE p99_next_duration END AS nd,
                       CASE WHEN (NEW.duration_seconds >= p99_cursor_duration AND NEW.duration_seconds < p99_next_duration) THEN NEW.seq ELSE p99_next_seq END AS ns
                WHERE (CAST((duration_count - 1) * 0.99 AS INTEGER) - CAST((duration_count - 2) * 0.99 AS INTEGER) - (NEW.duration_seconds < p99_cursor_duration)) = 0
                UNION ALL
                SELECT NEW.duration_seconds, NEW.seq, p99_next_duration, p99_next_seq WHERE (CAST((duration_count - 1) * 0.99 AS INTEGER) - CAST((duration_count - 2) * 0.99 AS INTEGER) - (NEW.duration_seconds < p99_cursor_duration)) = 1 AND (NEW.duration_seconds >= p99_cursor_duration AND NEW.duration_seconds < p99_next_duration)
                UNION ALL
                SELECT * FROM (SELECT p99_next_duration, p99_next_seq, s.duration_seconds, s.seq FROM (
                    SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                        AND duration_seconds = p99_next_duration AND seq > p99_next_seq ORDER BY seq LIMIT 1)
                    UNION ALL
                    SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                        AND duration_seconds > p99_next_duration ORDER BY duration_seconds, seq LIMIT 1)
                    LIMIT 1) AS s WHERE (CAST((duration_count - 1) * 0.99 AS INTEGER) - CAST((duration_count - 2) * 0.99 AS INTEGER) - (NEW.duration_seconds < p99_cursor_duration)) = 1 AND NOT (NEW.duration_seconds >= p99_cursor_duration AND NEW.duration_seconds < p99_next_duration))
                UNION ALL
                SELECT * FROM (SELECT r.duration_seconds, r.seq, p99_cursor_duration, p99_cursor_seq FROM (
                    SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                        AND duration_seconds = p99_cursor_duration AND seq < p99_cursor_seq ORDER BY seq DESC LIMIT 1)
                    UNION ALL
                    SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                        AND duration_seconds < p99_cursor_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)
                    LIMIT 1) AS r WHERE (CAST((duration_count - 1) * 0.99 AS INTEGER) - CAST((duration_count - 2) * 0.99 AS INTEGER) - (NEW.duration_seconds < p99_cursor_duration)) = -1)
                LIMIT 1) AS m),
        percentile_cache_count = duration_count, percentile_cache_seq = NEW.seq
    WHERE NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL AND skill_name = NEW.skill_name AND percentile_cache_count = duration_count - 1 AND duration_count >= 3 AND p50_cursor_seq IS NOT NULL AND p50_cursor_duration IS NOT NULL AND p50_next_seq IS NOT NULL AND p50_next_duration IS NOT NULL AND p95_cursor_seq IS NOT NULL AND p95_cursor_duration IS NOT NULL AND p95_next_seq IS NOT NULL AND p95_next_duration IS NOT NULL AND p99_cursor_seq IS NOT NULL AND p99_cursor_duration IS NOT NULL AND p99_next_seq IS NOT NULL AND p99_next_duration IS NOT NULL;

    -- No valid cache (a new skill, or a row another writer left: rebuild, the Swift fold, an
    -- UPDATE of the view): skill_totals_percentile_reposition positions the cursors from scratch
    -- and interpolates.
    -- 2. No valid cache (a new skill, or a row another writer left: rebuild, the Swift fold, an
    --    UPDATE of the view): skill_totals_percentile_reposition runs V6's steps.
    UPDATE skill_totals SET percentile_reposition = NEW.seq
    WHERE NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL AND skill_name = NEW.skill_name AND percentile_cache_seq IS NOT NEW.seq;
END;
