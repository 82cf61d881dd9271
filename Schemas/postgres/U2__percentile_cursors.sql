-- Undo of PostgreSQL V2: V1's projection function (percentiles recomputed by sorted
-- position), V1's duration index and CHECK functions, no cursors.
CREATE OR REPLACE FUNCTION sm_project() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    changed text[];
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

    -- percentiles of the skills that got a duration
    SELECT array_agg(DISTINCT e.skill_name) INTO changed FROM new_events e
    WHERE e.finished = 1 AND e.completed = 1 AND e.duration_seconds IS NOT NULL;
    IF changed IS NOT NULL THEN
        PERFORM sm_refresh_percentiles(changed);
    END IF;
    RETURN NULL;
END
$$;

DROP FUNCTION IF EXISTS sm_store_percentiles(text[]);
DROP FUNCTION IF EXISTS sm_position_percentile_cursors(text[]);
DROP TABLE IF EXISTS skill_percentile_cursor;
CREATE INDEX idx_skill_invocation_durations ON skill_invocation (skill_name, duration_seconds)
    WHERE completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL;
DROP INDEX IF EXISTS idx_skill_invocation_duration_order;
CREATE OR REPLACE FUNCTION sm_is_string_array(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT jsonb_typeof(value::jsonb) = 'array'
       AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(value::jsonb) AS e(v)
                       WHERE jsonb_typeof(e.v) <> 'string')
$$;

CREATE OR REPLACE FUNCTION sm_is_canonical_time(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z$'
       AND to_char(make_date(substr(value, 1, 4)::int, 1, 1)
                   + (substr(value, 6, 2)::int - 1) * interval '1 month'
                   + (substr(value, 9, 2)::int - 1) * interval '1 day', 'YYYY-MM-DD') = substr(value, 1, 10)
       AND substr(value, 6, 2)::int BETWEEN 1 AND 12
       AND substr(value, 9, 2)::int BETWEEN 1 AND 31
$$;

ALTER TABLE skill_totals RESET (fillfactor);
ALTER TABLE skill_key_count RESET (fillfactor);
