-- Undo of PostgreSQL V3: V2's per-row CHECKs on invoked_at and follow_up_actions (they are
-- validated against the rows already there), V2's btree indexes on invoked_at and
-- session_skill (skill_name), no statement checks, and V2's projection function.
DROP TRIGGER skill_invocation_check ON skill_invocation;
DROP FUNCTION sm_check_events();
DROP INDEX idx_skill_invocation_invoked_at;
CREATE INDEX idx_skill_invocation_invoked_at ON skill_invocation (invoked_at);
CREATE INDEX idx_session_skill_skill ON session_skill (skill_name);
ALTER TABLE skill_invocation
    ADD CONSTRAINT skill_invocation_invoked_at_check
        CHECK (length(invoked_at) = 27 AND sm_is_canonical_time(invoked_at)),
    ADD CONSTRAINT skill_invocation_follow_up_actions_check
        CHECK (sm_is_string_array(follow_up_actions));

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

DROP FUNCTION sm_refuse_event(text, text);
