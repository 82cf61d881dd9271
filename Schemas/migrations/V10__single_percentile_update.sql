-- V10: cheaper projection triggers for every client's INSERT (issue 9, the foreign-client bar).
--
-- Two costs of V9's per-event trigger work go:
--
-- * The search index. V2–V9 kept an FTS5 table (skill_workflow_path_fts) written by a trigger
--   for each new (skill, path) pair. A plain INSERT on this schema runs in a statement journal,
--   and at the next statement's savepoint FTS5 flushes its pending terms to disk: a new
--   segment, the structure record rewritten, an automerge, per new pair (~150k instructions;
--   averaged over 20k adversarial events ~36k per event). `search` now builds the same trigram
--   index in memory from the skill_workflow_path rows when it runs (Queries/WorkflowPathSearch),
--   so the match rules are FTS5's trigram tokenizer as before; the rows themselves, their counts
--   and verify are unchanged.
-- * The percentile steps. V9 wrote the skill_totals row up to four times per event with a
--   duration (the cached step, a seek trigger for a neighbour the step left unknown, the
--   interpolation) and tested it twice. V10's trigger does the step, the one seek it may need
--   and the interpolation in one UPDATE; skill_totals_percentile_seek is gone, and
--   skill_totals_percentile_reposition (a new skill or a cache another writer left) also
--   interpolates at its end. The values and every cache column are V9's bit for bit, except
--   percentile_seek, which nothing writes any more (kept: dropping a column rewrites the table).
--
-- Nothing is backfilled: V9's cache at rest is what V10 reads (the cursors and their successors
-- for the stored duration_count).

DROP TRIGGER skill_workflow_path_index;
DROP TABLE skill_workflow_path_fts;
DROP TRIGGER skill_totals_percentile_seek;
DROP TRIGGER skill_totals_percentile_reposition;
DROP TRIGGER skill_invocation_project;

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

    -- V10: the values interpolated from the positioned cursors (V9's step 4, which ran after
    -- this trigger); the cache now holds this count.
    UPDATE skill_totals SET
        p50_duration_seconds = CASE WHEN ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER)) >= 0.5 THEN p50_next_duration - (p50_next_duration - p50_cursor_duration) * (1.0 - ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER))) ELSE p50_cursor_duration + (p50_next_duration - p50_cursor_duration) * ((duration_count - 1) * 0.5 - CAST((duration_count - 1) * 0.5 AS INTEGER)) END,
        p95_duration_seconds = CASE WHEN ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER)) >= 0.5 THEN p95_next_duration - (p95_next_duration - p95_cursor_duration) * (1.0 - ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER))) ELSE p95_cursor_duration + (p95_next_duration - p95_cursor_duration) * ((duration_count - 1) * 0.95 - CAST((duration_count - 1) * 0.95 AS INTEGER)) END,
        p99_duration_seconds = CASE WHEN ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER)) >= 0.5 THEN p99_next_duration - (p99_next_duration - p99_cursor_duration) * (1.0 - ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER))) ELSE p99_cursor_duration + (p99_next_duration - p99_cursor_duration) * ((duration_count - 1) * 0.99 - CAST((duration_count - 1) * 0.99 AS INTEGER)) END,
        percentile_cache_count = duration_count
    WHERE skill_name = NEW.skill_name;
END;
