-- V7: a cheaper percentile trigger for every client's plain INSERT (issue 9).
--
-- Where V6's INSERT cost went (callgrind, C client, `real` workload): SQLite allocates,
-- zeroes and frees a frame with every register and cursor of a trigger's program each time
-- the trigger fires, whichever of its statements run. V6's percentile trigger held every
-- seek of every case for three percentiles (~1,100 registers, 59 cursors) and ran up to four
-- index seeks per percentile per event: ~140k of the ~450k instructions per event.
--
-- V7 caches each cursor's successor as (duration, seq). The trigger that fires on every
-- completed event with a duration is small: it places the new event (x) against (cursor,
-- next) and moves each cursor at most one place with what the row already holds. A
-- neighbour not yet known (the successor of the old successor, or the predecessor of the old
-- cursor) is left NULL, and an UPDATE of percentile_seek fires skill_totals_percentile_seek,
-- which looks it up (one seek; p95/p99 seldom need one, p50 about every other event). When
-- the cache is not valid -- it is trusted only if this trigger wrote it for the count just
-- before the event (percentile_cache_count = duration_count - 1, at least two durations, no
-- NULL cursor); a row that rebuild, the Swift fold or an UPDATE of the view wrote has another
-- count or NULL cursors -- an UPDATE of percentile_reposition fires
-- skill_totals_percentile_reposition, which runs V6's steps for the event. The percentiles are
-- interpolated from the same stored durations as before: bit for bit the same values.
-- percentile_cache_seq marks the event whose cached step ran. The new columns are caches,
-- like the other cursor columns: rebuild leaves them NULL, verify does not compare them.

ALTER TABLE skill_totals ADD COLUMN p50_next_seq INTEGER;
ALTER TABLE skill_totals ADD COLUMN p95_next_seq INTEGER;
ALTER TABLE skill_totals ADD COLUMN p99_next_seq INTEGER;
ALTER TABLE skill_totals ADD COLUMN percentile_cache_count INTEGER;
ALTER TABLE skill_totals ADD COLUMN percentile_cache_seq INTEGER;
ALTER TABLE skill_totals ADD COLUMN percentile_seek INTEGER;
ALTER TABLE skill_totals ADD COLUMN percentile_reposition INTEGER;

DROP TRIGGER skill_invocation_project_percentiles;

-- Percentiles (DESIGN.md §3, numpy's linear method, see V2 for the lerp), fired only by a
-- completed event with a duration; whichever of the two triggers SQLite runs first, the row
-- exists after its UPSERT, and each trigger writes only its own columns.
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

    -- 1. The cached step: each cursor moves at most one place. A neighbour that is the new
    --    event, the old cursor or the old successor is set here; one not yet known is left
    --    NULL for step 3.
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
    WHERE skill_name = NEW.skill_name AND percentile_cache_count = duration_count - 1 AND duration_count >= 3
      AND p50_cursor_seq IS NOT NULL AND p50_cursor_duration IS NOT NULL AND p50_next_seq IS NOT NULL AND p50_next_duration IS NOT NULL
      AND p95_cursor_seq IS NOT NULL AND p95_cursor_duration IS NOT NULL AND p95_next_seq IS NOT NULL AND p95_next_duration IS NOT NULL
      AND p99_cursor_seq IS NOT NULL AND p99_cursor_duration IS NOT NULL AND p99_next_seq IS NOT NULL AND p99_next_duration IS NOT NULL;

    -- 2. No valid cache (a new skill, or a row another writer left: rebuild, the Swift fold, an
    --    UPDATE of the view): skill_totals_percentile_reposition runs V6's steps.
    UPDATE skill_totals SET percentile_reposition = NEW.seq
    WHERE skill_name = NEW.skill_name AND percentile_cache_seq IS NOT NEW.seq;

    -- 3. A neighbour left unknown by step 1: skill_totals_percentile_seek looks it up (one seek).
    UPDATE skill_totals SET percentile_seek = NEW.seq
    WHERE skill_name = NEW.skill_name AND (p50_cursor_seq IS NULL OR p50_next_seq IS NULL OR p95_cursor_seq IS NULL OR p95_next_seq IS NULL OR p99_cursor_seq IS NULL OR p99_next_seq IS NULL);

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
    WHERE skill_name = NEW.skill_name;
END;

CREATE TRIGGER skill_totals_percentile_seek
AFTER UPDATE OF percentile_seek ON skill_totals
BEGIN
    UPDATE skill_totals SET (p50_cursor_duration, p50_cursor_seq) = (
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p50_next_duration AND seq < p50_next_seq ORDER BY seq DESC LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds < p50_next_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)
            LIMIT 1)
    WHERE skill_name = NEW.skill_name AND p50_cursor_seq IS NULL;
    UPDATE skill_totals SET (p50_next_duration, p50_next_seq) = (
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p50_cursor_duration AND seq > p50_cursor_seq ORDER BY seq LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p50_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)
            LIMIT 1)
    WHERE skill_name = NEW.skill_name AND p50_next_seq IS NULL;
    UPDATE skill_totals SET (p95_cursor_duration, p95_cursor_seq) = (
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p95_next_duration AND seq < p95_next_seq ORDER BY seq DESC LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds < p95_next_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)
            LIMIT 1)
    WHERE skill_name = NEW.skill_name AND p95_cursor_seq IS NULL;
    UPDATE skill_totals SET (p95_next_duration, p95_next_seq) = (
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p95_cursor_duration AND seq > p95_cursor_seq ORDER BY seq LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p95_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)
            LIMIT 1)
    WHERE skill_name = NEW.skill_name AND p95_next_seq IS NULL;
    UPDATE skill_totals SET (p99_cursor_duration, p99_cursor_seq) = (
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p99_next_duration AND seq < p99_next_seq ORDER BY seq DESC LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds < p99_next_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)
            LIMIT 1)
    WHERE skill_name = NEW.skill_name AND p99_cursor_seq IS NULL;
    UPDATE skill_totals SET (p99_next_duration, p99_next_seq) = (
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds = p99_cursor_duration AND seq > p99_cursor_seq ORDER BY seq LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT duration_seconds, seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                   AND duration_seconds > p99_cursor_duration ORDER BY duration_seconds, seq LIMIT 1)
            LIMIT 1)
    WHERE skill_name = NEW.skill_name AND p99_next_seq IS NULL;
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
