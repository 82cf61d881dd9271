-- PostgreSQL V2: percentiles by cursors. V1 recomputed min, max, p50, p95 and p99 of every
-- skill a batch touched by reading the skill's sorted durations up to each percentile's
-- position (OFFSET pos): O(the skill's history) per batch, quadratic over a growing log. V2
-- keeps, per skill and percentile, a cursor on the duration at the lower rank
-- f = floor((n-1)·p) in the order (duration_seconds, seq), and moves it per batch by at most the
-- batch's count: the old cursor row is now at f_old + (the batch's durations that sort below
-- it), so it steps |f_new − that| rows forward or backward along the index. The values are
-- still numpy's linear interpolation (sm_lerp) of v[f] and v[min(f+1, n-1)], ties ordered by
-- seq, min and max the first and last row of that order: bit for bit what V1 and the Swift
-- projectors compute.

-- The order of the cursors: (skill, duration, seq) over the durations that count (the V1
-- index's order had no tie-break; this one replaces it, its prefix serves the same reads).
CREATE INDEX idx_skill_invocation_duration_order ON skill_invocation (skill_name, duration_seconds, seq)
    WHERE completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL;
DROP INDEX idx_skill_invocation_durations;

-- One row per skill with durations and percentile (0.5, 0.95, 0.99): the row at the lower rank
-- `rank` = floor((duration_count - 1) · percentile) of the order above, positioned for
-- `duration_count` durations. A cursor whose duration_count is not the skill's (a rebuild, a
-- repair by hand) is repositioned from scratch by the next batch that touches the skill.
CREATE TABLE skill_percentile_cursor (
    skill_name        text    COLLATE "C" NOT NULL,
    percentile        float8  NOT NULL CHECK (percentile IN ('0.5'::float8, '0.95'::float8, '0.99'::float8)),
    duration_count    bigint  NOT NULL CHECK (duration_count >= 1),
    rank              bigint  NOT NULL CHECK (rank >= 0 AND rank < duration_count),
    duration_seconds  float8  NOT NULL,
    seq               bigint  NOT NULL,
    PRIMARY KEY (skill_name, percentile)
);

-- Positions the cursors of `skills` from scratch at their current duration_count (O(the
-- skill's history)): V2's migration, the first batch of a skill, `rebuild`.
CREATE FUNCTION sm_position_percentile_cursors(skills text[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM skill_percentile_cursor WHERE skill_name = ANY(skills);
    INSERT INTO skill_percentile_cursor (skill_name, percentile, duration_count, rank, duration_seconds, seq)
    SELECT t.skill_name, p.percentile, t.duration_count, r.rank, d.duration_seconds, d.seq
    FROM skill_totals t
    CROSS JOIN (VALUES ('0.5'::float8), ('0.95'::float8), ('0.99'::float8)) AS p(percentile)
    CROSS JOIN LATERAL (SELECT floor((t.duration_count - 1)::float8 * p.percentile)::bigint AS rank) AS r
    CROSS JOIN LATERAL (
        SELECT i.duration_seconds, i.seq FROM skill_invocation i
        WHERE i.skill_name = t.skill_name AND i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL
        ORDER BY i.duration_seconds, i.seq OFFSET r.rank LIMIT 1) AS d
    WHERE t.skill_name = ANY(skills) AND t.duration_count > 0;
$$;

-- Stores min, max, p50, p95, p99 of `skills` from their cursors: numpy's linear method,
-- k = (n-1)·p, f = floor(k) (the cursor), c = min(f+1, n-1) (the next row of the order),
-- sm_lerp(v[f], v[c], k - f); min and max the first and last row of the order.
CREATE FUNCTION sm_store_percentiles(skills text[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE skill_totals t SET
        min_duration_seconds = lo.duration_seconds,
        max_duration_seconds = hi.duration_seconds,
        p50_duration_seconds = v.p50,
        p95_duration_seconds = v.p95,
        p99_duration_seconds = v.p99
    FROM (
        SELECT c.skill_name,
               max(x.value) FILTER (WHERE c.percentile = '0.5'::float8) AS p50,
               max(x.value) FILTER (WHERE c.percentile = '0.95'::float8) AS p95,
               max(x.value) FILTER (WHERE c.percentile = '0.99'::float8) AS p99
        FROM skill_percentile_cursor c
        LEFT JOIN LATERAL (
            SELECT i.duration_seconds FROM skill_invocation i
            WHERE c.rank + 1 < c.duration_count
              AND i.skill_name = c.skill_name AND i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL
              AND (i.duration_seconds, i.seq) > (c.duration_seconds, c.seq)
            ORDER BY i.duration_seconds, i.seq LIMIT 1) AS s ON true
        CROSS JOIN LATERAL (
            SELECT sm_lerp(c.duration_seconds,
                           CASE WHEN c.rank + 1 < c.duration_count THEN s.duration_seconds ELSE c.duration_seconds END,
                           (c.duration_count - 1)::float8 * c.percentile - c.rank::float8) AS value) AS x
        WHERE c.skill_name = ANY(skills)
        GROUP BY c.skill_name
    ) AS v
    CROSS JOIN LATERAL (
        SELECT i.duration_seconds FROM skill_invocation i
        WHERE i.skill_name = v.skill_name AND i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL
        ORDER BY i.duration_seconds, i.seq LIMIT 1) AS lo
    CROSS JOIN LATERAL (
        SELECT i.duration_seconds FROM skill_invocation i
        WHERE i.skill_name = v.skill_name AND i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL
        ORDER BY i.duration_seconds DESC, i.seq DESC LIMIT 1) AS hi
    WHERE t.skill_name = v.skill_name AND t.duration_count > 0;
$$;

-- The cursors positioned for the log as it is (its percentiles stay as V1 stored them).
SELECT sm_position_percentile_cursors(ARRAY(SELECT skill_name FROM skill_totals WHERE duration_count > 0));

-- The projection trigger's function: V1's fold, then the percentiles by cursors.
CREATE OR REPLACE FUNCTION sm_project() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    changed text[];
    stale text[];
BEGIN
    -- skill_totals. The duration sum of each skill: its stored total (0.0 for a new skill)
    -- then the batch's durations, added one by one in seq order.
    WITH batch_skills AS (
        SELECT b.skill_name, count(*) AS total,
               count(*) FILTER (WHERE b.completed = 1) AS completed,
               count(*) FILTER (WHERE b.completed = 0) AS abandoned,
               (array_agg(b.invoked_at ORDER BY b.seq))[1] AS first_invoked,
               (array_agg(b.invoked_at ORDER BY b.seq DESC))[1] AS last_invoked,
               min(b.seq) AS first_seq, max(b.seq) AS last_seq,
               count(*) FILTER (WHERE b.completed = 1 AND b.duration_seconds IS NOT NULL) AS duration_count
        FROM new_events b WHERE b.finished = 1 GROUP BY b.skill_name
    ), sums AS (
        SELECT skill_name, sum(v ORDER BY ord) AS total_duration FROM (
            SELECT k.skill_name, coalesce(t.total_duration_seconds, 0.0::float8) AS v, 0::bigint AS ord
            FROM batch_skills k LEFT JOIN skill_totals t ON t.skill_name = k.skill_name
            UNION ALL
            SELECT e.skill_name, e.duration_seconds, e.seq FROM new_events e
            WHERE e.finished = 1 AND e.completed = 1 AND e.duration_seconds IS NOT NULL AND e.duration_seconds <> 0
        ) AS d GROUP BY skill_name
    )
    INSERT INTO skill_totals AS t (
        skill_name, total_invocations, completed_invocations, abandoned_invocations,
        total_duration_seconds, first_invoked, last_invoked, first_seq, last_seq, duration_count)
    SELECT k.skill_name, k.total, k.completed, k.abandoned, s.total_duration, k.first_invoked,
           k.last_invoked, k.first_seq, k.last_seq, k.duration_count
    FROM batch_skills k JOIN sums s ON s.skill_name = k.skill_name
    ON CONFLICT (skill_name) DO UPDATE SET
        total_invocations = t.total_invocations + excluded.total_invocations,
        completed_invocations = t.completed_invocations + excluded.completed_invocations,
        abandoned_invocations = t.abandoned_invocations + excluded.abandoned_invocations,
        total_duration_seconds = excluded.total_duration_seconds,
        last_invoked = excluded.last_invoked,
        last_seq = excluded.last_seq,
        duration_count = t.duration_count + excluded.duration_count;

    -- skill_key_count: every key occurrence, first appearance = smallest (seq, index)
    INSERT INTO skill_key_count AS k (skill_name, field, key, count, first_seq, first_index)
    SELECT skill_name, field, key, count(*), (array_agg(seq ORDER BY seq, idx))[1],
           (array_agg(idx ORDER BY seq, idx))[1]
    FROM (
        SELECT e.skill_name, 'workflow_paths'::text AS field, e.workflow_path AS key, e.seq, 0::bigint AS idx
        FROM new_events e WHERE e.finished = 1 AND e.workflow_path IS NOT NULL AND e.workflow_path <> ''
        UNION ALL
        SELECT e.skill_name, 'common_errors', e.error_type, e.seq, 0
        FROM new_events e WHERE e.finished = 1 AND e.error_type IS NOT NULL AND e.error_type <> ''
        UNION ALL
        SELECT e.skill_name, 'follow_up_actions', a.value, e.seq, a.ordinality - 1
        FROM new_events e, jsonb_array_elements_text(e.follow_up_actions::jsonb) WITH ORDINALITY AS a(value, ordinality)
        WHERE e.finished = 1 AND e.follow_up_actions <> '[]'
    ) AS occurrences
    GROUP BY skill_name, field, key
    ON CONFLICT (skill_name, field, key) DO UPDATE SET count = k.count + excluded.count;

    -- session_skill (sums as above: the stored total, 0.0 for a new pair, then every non-null
    -- duration in seq order)
    WITH batch_pairs AS (
        SELECT b.session_id, b.skill_name, count(*) AS invocations,
               (array_agg(b.invoked_at ORDER BY b.seq))[1] AS first_invoked,
               (array_agg(b.invoked_at ORDER BY b.seq DESC))[1] AS last_invoked,
               min(b.seq) AS first_seq, max(b.seq) AS last_seq
        FROM new_events b WHERE b.finished = 1 AND b.session_id IS NOT NULL
        GROUP BY b.session_id, b.skill_name
    ), sums AS (
        SELECT session_id, skill_name, sum(v ORDER BY ord) AS total_duration FROM (
            SELECT k.session_id, k.skill_name, coalesce(o.total_duration_seconds, 0.0::float8) AS v, 0::bigint AS ord
            FROM batch_pairs k LEFT JOIN session_skill o
                 ON o.session_id = k.session_id AND o.skill_name = k.skill_name
            UNION ALL
            SELECT e.session_id, e.skill_name, e.duration_seconds, e.seq FROM new_events e
            WHERE e.finished = 1 AND e.session_id IS NOT NULL AND e.duration_seconds IS NOT NULL
        ) AS d GROUP BY session_id, skill_name
    )
    INSERT INTO session_skill AS s (
        session_id, skill_name, invocation_count, first_invoked_at, last_invoked_at,
        total_duration_seconds, first_seq, last_seq)
    SELECT k.session_id, k.skill_name, k.invocations, k.first_invoked, k.last_invoked,
           u.total_duration, k.first_seq, k.last_seq
    FROM batch_pairs k JOIN sums u ON u.session_id = k.session_id AND u.skill_name = k.skill_name
    ON CONFLICT (session_id, skill_name) DO UPDATE SET
        invocation_count = s.invocation_count + excluded.invocation_count,
        last_invoked_at = excluded.last_invoked_at,
        total_duration_seconds = excluded.total_duration_seconds,
        last_seq = excluded.last_seq;

    -- percentiles of the skills that got a duration: move each valid cursor (positioned for
    -- the duration_count before this batch) by the batch; position the others from scratch;
    -- then store the values.
    SELECT array_agg(DISTINCT e.skill_name) INTO changed FROM new_events e
    WHERE e.finished = 1 AND e.completed = 1 AND e.duration_seconds IS NOT NULL;
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    WITH batch AS (
        SELECT e.skill_name, e.duration_seconds FROM new_events e
        WHERE e.finished = 1 AND e.completed = 1 AND e.duration_seconds IS NOT NULL
    ), moves AS (
        -- the new rows all have larger seqs than a cursor row: one sorts below it exactly
        -- when its duration is smaller
        SELECT c.skill_name, c.percentile, t.duration_count AS n, c.duration_seconds, c.seq,
               floor((t.duration_count - 1)::float8 * c.percentile)::bigint AS rank,
               floor((t.duration_count - 1)::float8 * c.percentile)::bigint
                   - c.rank - count(*) FILTER (WHERE b.duration_seconds < c.duration_seconds) AS shift
        FROM skill_percentile_cursor c
        JOIN batch b ON b.skill_name = c.skill_name
        JOIN skill_totals t ON t.skill_name = c.skill_name
        GROUP BY c.skill_name, c.percentile, t.duration_count, c.duration_count, c.rank, c.duration_seconds, c.seq
        HAVING c.duration_count = t.duration_count - count(*)
    )
    UPDATE skill_percentile_cursor c
    SET duration_count = m.n, rank = m.rank, duration_seconds = x.duration_seconds, seq = x.seq
    FROM moves m
    CROSS JOIN LATERAL (
        SELECT f.duration_seconds, f.seq FROM (
            SELECT i.duration_seconds, i.seq FROM skill_invocation i
            WHERE m.shift > 0
              AND i.skill_name = m.skill_name AND i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL
              AND (i.duration_seconds, i.seq) > (m.duration_seconds, m.seq)
            ORDER BY i.duration_seconds, i.seq OFFSET greatest(m.shift - 1, 0) LIMIT 1) AS f
        UNION ALL
        SELECT r.duration_seconds, r.seq FROM (
            SELECT i.duration_seconds, i.seq FROM skill_invocation i
            WHERE m.shift < 0
              AND i.skill_name = m.skill_name AND i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL
              AND (i.duration_seconds, i.seq) < (m.duration_seconds, m.seq)
            ORDER BY i.duration_seconds DESC, i.seq DESC OFFSET greatest(-m.shift - 1, 0) LIMIT 1) AS r
        UNION ALL
        SELECT m.duration_seconds, m.seq WHERE m.shift = 0
    ) AS x
    WHERE c.skill_name = m.skill_name AND c.percentile = m.percentile;

    SELECT array_agg(t.skill_name) INTO stale FROM skill_totals t
    WHERE t.skill_name = ANY(changed)
      AND (SELECT count(*) FROM skill_percentile_cursor c
           WHERE c.skill_name = t.skill_name AND c.duration_count = t.duration_count) <> 3;
    IF stale IS NOT NULL THEN
        PERFORM sm_position_percentile_cursors(stale);
    END IF;
    PERFORM sm_store_percentiles(changed);
    RETURN NULL;
END
$$;
