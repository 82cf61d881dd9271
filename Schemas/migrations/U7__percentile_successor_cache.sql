-- Undo V7: V6's percentile trigger and skill_totals without the successor cache columns.

DROP TRIGGER skill_totals_percentile_reposition;
DROP TRIGGER skill_totals_percentile_seek;
DROP TRIGGER skill_invocation_project_percentiles;

ALTER TABLE skill_totals DROP COLUMN percentile_reposition;
ALTER TABLE skill_totals DROP COLUMN percentile_seek;
ALTER TABLE skill_totals DROP COLUMN percentile_cache_seq;
ALTER TABLE skill_totals DROP COLUMN percentile_cache_count;
ALTER TABLE skill_totals DROP COLUMN p99_next_seq;
ALTER TABLE skill_totals DROP COLUMN p95_next_seq;
ALTER TABLE skill_totals DROP COLUMN p50_next_seq;

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
