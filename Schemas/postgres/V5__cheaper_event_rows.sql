-- PostgreSQL V5: cheaper event rows, and one pass per projection table. A push of 1M
-- real-shaped events spent about half its server time on the event rows themselves (their
-- indexes, their defaults) and the rest in the projection trigger (docs/scale-out.md, "V5");
-- V5 takes work off both, with the same rules for what the log holds and the same
-- projections, bit for bit:
--
-- * recorded_at: the statement's time, formatted once per statement by the writers' lock
--   trigger into the transaction-local setting skill_metrics.recorded_at, which the column's
--   default reads, instead of to_char(clock_timestamp()) per row (about 4,200 instructions a
--   row). Every row of one statement gets the same value, as SQLite's 'now' gives every row
--   of one statement the same value. A row inserted with that trigger disabled (a superuser's
--   repair) still gets its own clock time.
-- * The percentile cursors' order (skill, duration, seq) is indexed by hashtext(skill_name),
--   a 4-byte integer, instead of the name: fixed-width index tuples compare and descend
--   without detoasting or collation calls (the index's random inserts were a third of an event
--   row's cost). Two skills whose names share a hash share a range of that index; every read
--   also compares the name itself, so they never mix. The planner takes the hash and the name
--   for independent conditions and expects a couple of rows, for which a bitmap scan and a sort
--   look cheaper than walking the index in order (one batch's cursor moves took 237 ms that
--   way instead of ~13): the three functions that walk it run with enable_bitmapscan off.
-- * The count rows and the session pairs are written by MERGE: one join of the batch's
--   groups with the stored rows, each group then updated or inserted, instead of a
--   materialised join, an UPDATE, and an anti-join to find what it did not update.

-- MERGE is PostgreSQL 15's. The projection trigger EXECUTEs its statements, so an older server
-- would take this migration and then refuse every insert: refuse the migration instead.
DO $$
BEGIN
    IF current_setting('server_version_num')::int < 150000 THEN
        RAISE EXCEPTION 'the team log''s schema V5 needs PostgreSQL 15 or later (MERGE); this server is %',
            current_setting('server_version')
            USING ERRCODE = 'feature_not_supported';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION sm_serialise_writers() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sm_lock_writers();
    PERFORM set_config('skill_metrics.recorded_at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), true);
    RETURN NULL;
END
$$;

ALTER TABLE skill_invocation ALTER COLUMN recorded_at
    SET DEFAULT coalesce(nullif(current_setting('skill_metrics.recorded_at', true), ''), to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));

DROP INDEX idx_skill_invocation_duration_order;
CREATE INDEX idx_skill_invocation_duration_order ON skill_invocation (hashtext(skill_name), duration_seconds, seq)
    WHERE completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL;

CREATE OR REPLACE FUNCTION sm_position_percentile_cursors(skills text[]) RETURNS void
LANGUAGE sql SET enable_bitmapscan = off AS $$
    DELETE FROM skill_percentile_cursor WHERE skill_name = ANY(skills);
    INSERT INTO skill_percentile_cursor (skill_name, percentile, duration_count, rank, duration_seconds, seq)
    SELECT t.skill_name, p.percentile, t.duration_count, r.rank, d.duration_seconds, d.seq
    FROM skill_totals t
    CROSS JOIN (VALUES ('0.5'::float8), ('0.95'::float8), ('0.99'::float8)) AS p(percentile)
    CROSS JOIN LATERAL (SELECT floor((t.duration_count - 1)::float8 * p.percentile)::bigint AS rank) AS r
    CROSS JOIN LATERAL (
        SELECT i.duration_seconds, i.seq FROM skill_invocation i
        WHERE hashtext(i.skill_name) = hashtext(t.skill_name) AND i.skill_name = t.skill_name AND i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL
        ORDER BY i.duration_seconds, i.seq OFFSET r.rank LIMIT 1) AS d
    WHERE t.skill_name = ANY(skills) AND t.duration_count > 0;
$$;

CREATE OR REPLACE FUNCTION sm_store_percentiles(skills text[]) RETURNS void
LANGUAGE sql SET enable_bitmapscan = off AS $$
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
              AND hashtext(i.skill_name) = hashtext(c.skill_name) AND i.skill_name = c.skill_name AND i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL
              AND (i.duration_seconds, i.seq) > (c.duration_seconds, c.seq)
            ORDER BY i.duration_seconds, i.seq LIMIT 1) AS s ON true
        CROSS JOIN LATERAL (
            SELECT CASE WHEN l.t >= 0.5::float8 THEN l.b - (l.b - l.a) * (1.0::float8 - l.t)
                        ELSE l.a + (l.b - l.a) * l.t END AS value
            FROM (SELECT c.duration_seconds AS a,
                         CASE WHEN c.rank + 1 < c.duration_count THEN s.duration_seconds ELSE c.duration_seconds END AS b,
                         (c.duration_count - 1)::float8 * c.percentile - c.rank::float8 AS t
                  OFFSET 0) AS l) AS x
        WHERE c.skill_name = ANY(skills)
        GROUP BY c.skill_name
    ) AS v
    CROSS JOIN LATERAL (
        SELECT i.duration_seconds FROM skill_invocation i
        WHERE hashtext(i.skill_name) = hashtext(v.skill_name) AND i.skill_name = v.skill_name AND i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL
        ORDER BY i.duration_seconds, i.seq LIMIT 1) AS lo
    CROSS JOIN LATERAL (
        SELECT i.duration_seconds FROM skill_invocation i
        WHERE hashtext(i.skill_name) = hashtext(v.skill_name) AND i.skill_name = v.skill_name AND i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL
        ORDER BY i.duration_seconds DESC, i.seq DESC LIMIT 1) AS hi
    WHERE t.skill_name = v.skill_name AND t.duration_count > 0;
$$;

CREATE OR REPLACE FUNCTION sm_project() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET enable_bitmapscan = off AS $$
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

    -- skill_key_count: every key occurrence, first appearance = smallest (seq, index); the
    -- stored keys' counts updated, the new keys inserted (writers are serialised).
    EXECUTE $sql$
    MERGE INTO skill_key_count AS k
    USING (
    SELECT skill_name, field, key, count(*) AS count, (min(ARRAY[seq, idx]))[1] AS first_seq, (min(ARRAY[seq, idx]))[2] AS first_index
    FROM (
        SELECT e.skill_name, 'workflow_paths'::text AS field, e.workflow_path AS key, e.seq, 0::bigint AS idx
        FROM new_events e WHERE e.finished = 1 AND e.workflow_path IS NOT NULL AND e.workflow_path <> ''
        UNION ALL
        SELECT e.skill_name, 'common_errors', e.error_type, e.seq, 0
        FROM new_events e WHERE e.finished = 1 AND e.error_type IS NOT NULL AND e.error_type <> ''
        UNION ALL
        SELECT e.skill_name, 'follow_up_actions',
               CASE WHEN jsonb_typeof(a.value) = 'string' THEN a.value #>> '{}'
                    ELSE sm_refuse_event(e.id, 'follow_up_actions') END,
               e.seq, a.ordinality - 1
        FROM new_events e, jsonb_array_elements(e.follow_up_actions::jsonb) WITH ORDINALITY AS a(value, ordinality)
        WHERE e.finished = 1 AND e.follow_up_actions <> '[]'
    ) AS occurrences
    GROUP BY skill_name, field, key
    ) AS c
    ON k.skill_name = c.skill_name AND k.field = c.field AND k.key = c.key
    WHEN MATCHED THEN UPDATE SET count = k.count + c.count
    WHEN NOT MATCHED THEN INSERT (skill_name, field, key, count, first_seq, first_index)
        VALUES (c.skill_name, c.field, c.key, c.count, c.first_seq, c.first_index)
    $sql$;

    -- session_skill: the pairs already stored are updated, the new ones inserted; a stored
    -- pair's total is its stored total and then its batch durations (an array aggregated in the
    -- sorted pass, so in seq order) added one by one.
    EXECUTE $sql$
    MERGE INTO session_skill AS s
    USING (
        SELECT e.session_id, e.skill_name, count(*) AS invocations,
               min(e.seq) AS first_seq, max(e.seq) AS last_seq,
               count(e.duration_seconds) AS durations, sum(e.duration_seconds) AS batch_sum,
               array_agg(e.invoked_at) AS times,
               array_agg(e.duration_seconds) FILTER (WHERE e.duration_seconds IS NOT NULL) AS batch_durations
        FROM (SELECT session_id, skill_name, seq, duration_seconds, invoked_at FROM new_events
              WHERE finished = 1 AND session_id IS NOT NULL ORDER BY session_id, skill_name, seq) AS e
        GROUP BY e.session_id, e.skill_name
    ) AS p
    ON s.session_id = p.session_id AND s.skill_name = p.skill_name
    WHEN MATCHED THEN UPDATE SET
        invocation_count = s.invocation_count + p.invocations,
        last_invoked_at = p.times[p.invocations],
        total_duration_seconds = CASE WHEN p.durations = 0 THEN s.total_duration_seconds
                                      WHEN p.durations = 1 THEN s.total_duration_seconds + p.batch_sum
                                      ELSE (SELECT sum(d.v ORDER BY d.ord)
                                            FROM unnest(s.total_duration_seconds || p.batch_durations) WITH ORDINALITY AS d(v, ord)) END,
        last_seq = p.last_seq
    WHEN NOT MATCHED THEN INSERT (
        session_id, skill_name, invocation_count, first_invoked_at, last_invoked_at,
        total_duration_seconds, first_seq, last_seq)
        VALUES (p.session_id, p.skill_name, p.invocations, p.times[1], p.times[p.invocations],
                coalesce(p.batch_sum + 0.0::float8, 0.0::float8), p.first_seq, p.last_seq)
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
              AND hashtext(i.skill_name) = hashtext(m.skill_name) AND i.skill_name = m.skill_name AND i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL
              AND (i.duration_seconds, i.seq) > (m.duration_seconds, m.seq)
            ORDER BY i.duration_seconds, i.seq OFFSET greatest(m.shift - 1, 0) LIMIT 1) AS f
        UNION ALL
        SELECT r.duration_seconds, r.seq FROM (
            SELECT i.duration_seconds, i.seq FROM skill_invocation i
            WHERE m.shift < 0
              AND hashtext(i.skill_name) = hashtext(m.skill_name) AND i.skill_name = m.skill_name AND i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL
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
