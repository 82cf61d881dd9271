-- V7: a cheaper percentile trigger for every client's plain INSERT (issue 9).
--
-- V5/V6's percentile trigger looked up, per event and per percentile, the cursor's new
-- position (up to two index seeks), the cursor row by seq and its successor (up to two more):
-- about 140k instructions per event on the `real` workload, a third of a foreign client's
-- INSERT. V7 caches each cursor's successor as (duration, seq), so a cursor moves at most one
-- place with what the row already holds: the new event (x) is placed against (cursor, next),
-- and only a step onto a neighbour not yet known (the successor of the old successor, or the
-- predecessor of the old cursor) costs one seek. p95/p99 mostly stay put; p50 seeks about
-- every other event.
--
-- The cache is trusted only when the trigger itself wrote it for the count just before this
-- event (percentile_cache_count = duration_count - 1, a row another writer left behind --
-- rebuild, the Swift fold, an UPDATE of the view -- has another count or NULL cursors) and
-- the skill has at least two durations before the event (so the successor is a distinct
-- element). Otherwise the V6 steps run unchanged and fill the cache. Percentile values are
-- interpolated from the same stored durations as before: bit for bit the same results.
-- percentile_cache_seq marks the event whose cached step ran, so the V6 steps skip it.
-- rebuild and verify ignore these columns, like the other cursor columns.

ALTER TABLE skill_totals ADD COLUMN p50_next_seq INTEGER;
ALTER TABLE skill_totals ADD COLUMN p95_next_seq INTEGER;
ALTER TABLE skill_totals ADD COLUMN p99_next_seq INTEGER;
ALTER TABLE skill_totals ADD COLUMN percentile_cache_count INTEGER;
ALTER TABLE skill_totals ADD COLUMN percentile_cache_seq INTEGER;

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

    -- 1. The cached path: each cursor moves at most one place and the new successor is
    --    known (the new event, the old cursor, or one seek from the old successor).
    UPDATE skill_totals SET
        (p50_cursor_duration, p50_cursor_seq, p50_next_duration, p50_next_seq) = (
            SELECT CASE WHEN mv = 0 THEN p50_cursor_duration WHEN mv = 1 THEN (CASE WHEN bt THEN NEW.duration_seconds ELSE p50_next_duration END)
                        ELSE coalesce(
                    (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds = p50_cursor_duration AND seq < p50_cursor_seq ORDER BY seq DESC LIMIT 1),
                    (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds < p50_cursor_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)) END,
                   CASE WHEN mv = 0 THEN p50_cursor_seq WHEN mv = 1 THEN (CASE WHEN bt THEN NEW.seq ELSE p50_next_seq END)
                        ELSE coalesce(
                    (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds = p50_cursor_duration AND seq < p50_cursor_seq ORDER BY seq DESC LIMIT 1),
                    (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds < p50_cursor_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)) END,
                   CASE WHEN mv = 0 THEN (CASE WHEN bt THEN NEW.duration_seconds ELSE p50_next_duration END)
                        WHEN mv = 1 THEN (CASE WHEN bt THEN p50_next_duration ELSE coalesce(
                    (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds = p50_next_duration AND seq > p50_next_seq ORDER BY seq LIMIT 1),
                    (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds > p50_next_duration ORDER BY duration_seconds, seq LIMIT 1)) END)
                        ELSE p50_cursor_duration END,
                   CASE WHEN mv = 0 THEN (CASE WHEN bt THEN NEW.seq ELSE p50_next_seq END)
                        WHEN mv = 1 THEN (CASE WHEN bt THEN p50_next_seq ELSE coalesce(
                    (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds = p50_next_duration AND seq > p50_next_seq ORDER BY seq LIMIT 1),
                    (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds > p50_next_duration ORDER BY duration_seconds, seq LIMIT 1)) END)
                        ELSE p50_cursor_seq END
            FROM (SELECT ((CAST((duration_count - 1) * 0.5 AS INTEGER) - CAST((duration_count - 2) * 0.5 AS INTEGER)) - (CASE WHEN (NEW.duration_seconds < p50_cursor_duration) THEN 1 ELSE 0 END)) AS mv, (NEW.duration_seconds >= p50_cursor_duration AND NEW.duration_seconds < p50_next_duration) AS bt)),
        (p95_cursor_duration, p95_cursor_seq, p95_next_duration, p95_next_seq) = (
            SELECT CASE WHEN mv = 0 THEN p95_cursor_duration WHEN mv = 1 THEN (CASE WHEN bt THEN NEW.duration_seconds ELSE p95_next_duration END)
                        ELSE coalesce(
                    (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds = p95_cursor_duration AND seq < p95_cursor_seq ORDER BY seq DESC LIMIT 1),
                    (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds < p95_cursor_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)) END,
                   CASE WHEN mv = 0 THEN p95_cursor_seq WHEN mv = 1 THEN (CASE WHEN bt THEN NEW.seq ELSE p95_next_seq END)
                        ELSE coalesce(
                    (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds = p95_cursor_duration AND seq < p95_cursor_seq ORDER BY seq DESC LIMIT 1),
                    (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds < p95_cursor_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)) END,
                   CASE WHEN mv = 0 THEN (CASE WHEN bt THEN NEW.duration_seconds ELSE p95_next_duration END)
                        WHEN mv = 1 THEN (CASE WHEN bt THEN p95_next_duration ELSE coalesce(
                    (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds = p95_next_duration AND seq > p95_next_seq ORDER BY seq LIMIT 1),
                    (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds > p95_next_duration ORDER BY duration_seconds, seq LIMIT 1)) END)
                        ELSE p95_cursor_duration END,
                   CASE WHEN mv = 0 THEN (CASE WHEN bt THEN NEW.seq ELSE p95_next_seq END)
                        WHEN mv = 1 THEN (CASE WHEN bt THEN p95_next_seq ELSE coalesce(
                    (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds = p95_next_duration AND seq > p95_next_seq ORDER BY seq LIMIT 1),
                    (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds > p95_next_duration ORDER BY duration_seconds, seq LIMIT 1)) END)
                        ELSE p95_cursor_seq END
            FROM (SELECT ((CAST((duration_count - 1) * 0.95 AS INTEGER) - CAST((duration_count - 2) * 0.95 AS INTEGER)) - (CASE WHEN (NEW.duration_seconds < p95_cursor_duration) THEN 1 ELSE 0 END)) AS mv, (NEW.duration_seconds >= p95_cursor_duration AND NEW.duration_seconds < p95_next_duration) AS bt)),
        (p99_cursor_duration, p99_cursor_seq, p99_next_duration, p99_next_seq) = (
            SELECT CASE WHEN mv = 0 THEN p99_cursor_duration WHEN mv = 1 THEN (CASE WHEN bt THEN NEW.duration_seconds ELSE p99_next_duration END)
                        ELSE coalesce(
                    (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds = p99_cursor_duration AND seq < p99_cursor_seq ORDER BY seq DESC LIMIT 1),
                    (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds < p99_cursor_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)) END,
                   CASE WHEN mv = 0 THEN p99_cursor_seq WHEN mv = 1 THEN (CASE WHEN bt THEN NEW.seq ELSE p99_next_seq END)
                        ELSE coalesce(
                    (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds = p99_cursor_duration AND seq < p99_cursor_seq ORDER BY seq DESC LIMIT 1),
                    (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds < p99_cursor_duration ORDER BY duration_seconds DESC, seq DESC LIMIT 1)) END,
                   CASE WHEN mv = 0 THEN (CASE WHEN bt THEN NEW.duration_seconds ELSE p99_next_duration END)
                        WHEN mv = 1 THEN (CASE WHEN bt THEN p99_next_duration ELSE coalesce(
                    (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds = p99_next_duration AND seq > p99_next_seq ORDER BY seq LIMIT 1),
                    (SELECT duration_seconds FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds > p99_next_duration ORDER BY duration_seconds, seq LIMIT 1)) END)
                        ELSE p99_cursor_duration END,
                   CASE WHEN mv = 0 THEN (CASE WHEN bt THEN NEW.seq ELSE p99_next_seq END)
                        WHEN mv = 1 THEN (CASE WHEN bt THEN p99_next_seq ELSE coalesce(
                    (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds = p99_next_duration AND seq > p99_next_seq ORDER BY seq LIMIT 1),
                    (SELECT seq FROM skill_invocation WHERE skill_name = NEW.skill_name AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                       AND duration_seconds > p99_next_duration ORDER BY duration_seconds, seq LIMIT 1)) END)
                        ELSE p99_cursor_seq END
            FROM (SELECT ((CAST((duration_count - 1) * 0.99 AS INTEGER) - CAST((duration_count - 2) * 0.99 AS INTEGER)) - (CASE WHEN (NEW.duration_seconds < p99_cursor_duration) THEN 1 ELSE 0 END)) AS mv, (NEW.duration_seconds >= p99_cursor_duration AND NEW.duration_seconds < p99_next_duration) AS bt)),
        percentile_cache_seq = NEW.seq
    WHERE skill_name = NEW.skill_name AND percentile_cache_count = duration_count - 1 AND duration_count >= 3
      AND p50_cursor_seq IS NOT NULL AND p50_cursor_duration IS NOT NULL AND p50_next_seq IS NOT NULL AND p50_next_duration IS NOT NULL
      AND p95_cursor_seq IS NOT NULL AND p95_cursor_duration IS NOT NULL AND p95_next_seq IS NOT NULL AND p95_next_duration IS NOT NULL
      AND p99_cursor_seq IS NOT NULL AND p99_cursor_duration IS NOT NULL AND p99_next_seq IS NOT NULL AND p99_next_duration IS NOT NULL;

    -- 2. Otherwise (no cache, or one another writer left behind: a rebuild, the Swift fold,
    --    an UPDATE of the view): V6's steps, each cursor moved with at most one seek ...
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
    WHERE skill_name = NEW.skill_name AND percentile_cache_seq IS NOT NEW.seq;

    --    ... and its duration and successor looked up.
    UPDATE skill_totals SET
        (p50_cursor_duration, p50_next_duration, p50_next_seq) = (
            SELECT c.duration_seconds, s.duration_seconds, s.seq
            FROM skill_invocation AS c, (
                SELECT duration_seconds, seq FROM skill_invocation AS c2 WHERE c2.seq = p50_cursor_seq
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
                SELECT duration_seconds, seq FROM skill_invocation AS c2 WHERE c2.seq = p95_cursor_seq
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
                SELECT duration_seconds, seq FROM skill_invocation AS c2 WHERE c2.seq = p99_cursor_seq
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
    WHERE skill_name = NEW.skill_name AND percentile_cache_seq IS NOT NEW.seq;

    -- 3. Interpolate from the cached values (numpy's _lerp); the cache is now valid for this count.
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
        percentile_cache_count = duration_count, percentile_cache_seq = NEW.seq
    WHERE skill_name = NEW.skill_name;
END;
