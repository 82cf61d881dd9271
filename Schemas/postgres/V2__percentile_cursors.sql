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

-- The CHECK functions of the event table, rewritten so the planner inlines them into the
-- constraints (V1's were STRICT SQL functions whose bodies are not strict, or held a
-- subquery: each row paid two SQL-function calls, about 20 µs). Same answers: a canonical
-- UTC timestamp (YYYY-MM-DDTHH:MM:SS.ffffffZ, a real calendar date, year 0001 or later), a JSON
-- array whose elements are all strings.
CREATE OR REPLACE FUNCTION sm_is_canonical_time(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN value ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z$'
                THEN substr(value, 1, 4) <> '0000'
                     AND (substr(value, 9, 2) <= '28'
                          OR (substr(value, 6, 2) <> '02'
                              AND (substr(value, 9, 2) <> '31' OR substr(value, 6, 2) IN ('01', '03', '05', '07', '08', '10', '12')))
                          OR (substr(value, 9, 2) = '29'
                              AND substr(value, 1, 4)::int % 4 = 0
                              AND (substr(value, 1, 4)::int % 100 <> 0 OR substr(value, 1, 4)::int % 400 = 0)))
                ELSE false END
$$;

CREATE OR REPLACE FUNCTION sm_is_string_array(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_path_match(value::jsonb, 'strict $.type() == "array" && !exists ($[*] ? (@.type() != "string"))')
$$;

-- The small projection tables are updated in place batch after batch: room on their pages
-- lets those updates be HOT (no new index entries).
ALTER TABLE skill_totals SET (fillfactor = 50);
ALTER TABLE skill_key_count SET (fillfactor = 50);
ALTER TABLE skill_percentile_cursor SET (fillfactor = 50);

-- The projection trigger's function: V1's fold with fewer per-group sorts (first and last
-- rows joined back by seq, key firsts by min((seq, index)), session sums ordered only where a
-- pair got two durations or more, stored pairs updated and new ones inserted), then the
-- percentiles by cursors. Every statement over the transition table is EXECUTEd, so it is
-- planned for this batch's size: a plan cached for a one-row INSERT (nested loops over the
-- transition table) made a later 5,000-row batch in the same session quadratic.
CREATE OR REPLACE FUNCTION sm_project() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    changed text[];
    stale text[];
BEGIN
    -- skill_totals. The duration sum of each skill: its stored total (0.0 for a new skill)
    -- then the batch's durations, added one by one in seq order. First and last invoked_at
    -- are those of the skill's first and last row of the batch (joined back by seq).
    EXECUTE $sql$
    WITH batch_skills AS (
        SELECT b.skill_name, count(*) AS total,
               count(*) FILTER (WHERE b.completed = 1) AS completed,
               count(*) FILTER (WHERE b.completed = 0) AS abandoned,
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
    SELECT k.skill_name, k.total, k.completed, k.abandoned, s.total_duration, f.invoked_at,
           l.invoked_at, k.first_seq, k.last_seq, k.duration_count
    FROM batch_skills k JOIN sums s ON s.skill_name = k.skill_name
         JOIN new_events f ON f.seq = k.first_seq
         JOIN new_events l ON l.seq = k.last_seq
    ON CONFLICT (skill_name) DO UPDATE SET
        total_invocations = t.total_invocations + excluded.total_invocations,
        completed_invocations = t.completed_invocations + excluded.completed_invocations,
        abandoned_invocations = t.abandoned_invocations + excluded.abandoned_invocations,
        total_duration_seconds = excluded.total_duration_seconds,
        last_invoked = excluded.last_invoked,
        last_seq = excluded.last_seq,
        duration_count = t.duration_count + excluded.duration_count
    $sql$;

    -- skill_key_count: every key occurrence, first appearance = smallest (seq, index)
    EXECUTE $sql$
    INSERT INTO skill_key_count AS k (skill_name, field, key, count, first_seq, first_index)
    SELECT skill_name, field, key, count(*), (min(ARRAY[seq, idx]))[1], (min(ARRAY[seq, idx]))[2]
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
    ON CONFLICT (skill_name, field, key) DO UPDATE SET count = k.count + excluded.count
    $sql$;

    -- session_skill: the pairs already stored are updated, the new ones inserted (writers are
    -- serialised, nobody else adds a pair meanwhile). Sums as above: the stored total (0.0 for
    -- a new pair), then every non-null duration in seq order; a pair with at most one duration
    -- in the batch needs no ordering (one addition at most).
    EXECUTE $sql$
    WITH batch_pairs AS (
        SELECT b.session_id, b.skill_name, count(*) AS invocations,
               min(b.seq) AS first_seq, max(b.seq) AS last_seq,
               count(b.duration_seconds) AS durations, min(b.duration_seconds) AS only_duration
        FROM new_events b WHERE b.finished = 1 AND b.session_id IS NOT NULL
        GROUP BY b.session_id, b.skill_name
    ), pairs AS (
        SELECT k.session_id, k.skill_name, k.invocations, k.first_seq, k.last_seq, k.durations,
               k.only_duration, o.session_id IS NOT NULL AS stored,
               coalesce(o.total_duration_seconds, 0.0::float8) AS start_total
        FROM batch_pairs k LEFT JOIN session_skill o ON o.session_id = k.session_id AND o.skill_name = k.skill_name
    ), ordered_sums AS (
        SELECT session_id, skill_name, sum(v ORDER BY ord) AS total_duration FROM (
            SELECT p.session_id, p.skill_name, p.start_total AS v, 0::bigint AS ord
            FROM pairs p WHERE p.durations > 1
            UNION ALL
            SELECT e.session_id, e.skill_name, e.duration_seconds, e.seq
            FROM new_events e JOIN pairs p ON p.session_id = e.session_id AND p.skill_name = e.skill_name
            WHERE p.durations > 1 AND e.finished = 1 AND e.duration_seconds IS NOT NULL
        ) AS d GROUP BY session_id, skill_name
    ), totals AS (
        SELECT p.session_id, p.skill_name, p.invocations, p.first_seq, p.last_seq, p.stored,
               CASE WHEN p.durations = 0 THEN p.start_total
                    WHEN p.durations = 1 THEN p.start_total + p.only_duration
                    ELSE u.total_duration END AS total_duration
        FROM pairs p LEFT JOIN ordered_sums u ON u.session_id = p.session_id AND u.skill_name = p.skill_name
    ), updated AS (
        UPDATE session_skill s SET
            invocation_count = s.invocation_count + x.invocations,
            last_invoked_at = l.invoked_at,
            total_duration_seconds = x.total_duration,
            last_seq = x.last_seq
        FROM totals x JOIN new_events l ON l.seq = x.last_seq
        WHERE x.stored AND s.session_id = x.session_id AND s.skill_name = x.skill_name
    )
    INSERT INTO session_skill (
        session_id, skill_name, invocation_count, first_invoked_at, last_invoked_at,
        total_duration_seconds, first_seq, last_seq)
    SELECT x.session_id, x.skill_name, x.invocations, f.invoked_at, l.invoked_at,
           x.total_duration, x.first_seq, x.last_seq
    FROM totals x JOIN new_events f ON f.seq = x.first_seq JOIN new_events l ON l.seq = x.last_seq
    WHERE NOT x.stored
    $sql$;

    -- percentiles of the skills that got a duration: move each valid cursor (positioned for
    -- the duration_count before this batch) by the batch; position the others from scratch;
    -- then store the values.
    EXECUTE $sql$
    SELECT array_agg(DISTINCT e.skill_name) FROM new_events e
    WHERE e.finished = 1 AND e.completed = 1 AND e.duration_seconds IS NOT NULL
    $sql$ INTO changed;
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE $sql$
    WITH batch AS (
        -- per skill, the batch's durations negated and sorted: width_bucket(-x, them) counts
        -- those >= x, so m - that counts those < x
        SELECT e.skill_name, count(*) AS m,
               array_agg(-e.duration_seconds ORDER BY -e.duration_seconds) AS negated
        FROM new_events e
        WHERE e.finished = 1 AND e.completed = 1 AND e.duration_seconds IS NOT NULL
        GROUP BY e.skill_name
    ), moves AS (
        -- the new rows all have larger seqs than a cursor row: one sorts below it exactly
        -- when its duration is smaller
        SELECT c.skill_name, c.percentile, t.duration_count AS n, c.duration_seconds, c.seq,
               floor((t.duration_count - 1)::float8 * c.percentile)::bigint AS rank,
               floor((t.duration_count - 1)::float8 * c.percentile)::bigint
                   - c.rank - (b.m - width_bucket(-c.duration_seconds, b.negated)) AS shift
        FROM batch b
        JOIN skill_totals t ON t.skill_name = b.skill_name
        JOIN skill_percentile_cursor c ON c.skill_name = b.skill_name
        WHERE c.duration_count = t.duration_count - b.m
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
    WHERE c.skill_name = m.skill_name AND c.percentile = m.percentile
    $sql$;
    EXECUTE $sql$
    SELECT array_agg(t.skill_name) FROM skill_totals t
    WHERE t.skill_name = ANY($1)
      AND (SELECT count(*) FROM skill_percentile_cursor c
           WHERE c.skill_name = t.skill_name AND c.duration_count = t.duration_count) <> 3
    $sql$ INTO stale USING changed;
    IF stale IS NOT NULL THEN
        PERFORM sm_position_percentile_cursors(stale);
    END IF;
    PERFORM sm_store_percentiles(changed);
    RETURN NULL;
END
$$;
