-- PostgreSQL V1: the team log. The same event as the local SQLite log (DESIGN.md section 2),
-- plus the source it came from, and the schema V5 projection storage (skill_totals,
-- skill_key_count, session_skill, the skill_metrics view) kept by PL/pgSQL triggers with the
-- rules of DESIGN.md section 3: a third implementation, checked by the Swift projectors
-- (`skill-metrics verify --db postgres://...`).
--
-- Text columns use the "C" collation: comparisons and ordering by bytes, whatever the
-- cluster's locale. PostgreSQL text cannot hold U+0000, as the SQLite log refuses it too.

CREATE TABLE team_log_identity (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    server_id  uuid NOT NULL DEFAULT gen_random_uuid()
);
INSERT INTO team_log_identity DEFAULT VALUES;

CREATE FUNCTION sm_is_string_array(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT jsonb_typeof(value::jsonb) = 'array'
       AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(value::jsonb) AS e(v)
                       WHERE jsonb_typeof(e.v) <> 'string')
$$;

CREATE FUNCTION sm_is_canonical_time(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z$'
       AND to_char(make_date(substr(value, 1, 4)::int, 1, 1)
                   + (substr(value, 6, 2)::int - 1) * interval '1 month'
                   + (substr(value, 9, 2)::int - 1) * interval '1 day', 'YYYY-MM-DD') = substr(value, 1, 10)
       AND substr(value, 6, 2)::int BETWEEN 1 AND 12
       AND substr(value, 9, 2)::int BETWEEN 1 AND 31
$$;

CREATE TABLE skill_invocation (
    seq               bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                text    COLLATE "C" NOT NULL UNIQUE CHECK (length(id) BETWEEN 1 AND 200),
    skill_name        text    COLLATE "C" NOT NULL,
    invoked_at        text    COLLATE "C" NOT NULL CHECK (length(invoked_at) = 27 AND sm_is_canonical_time(invoked_at)),
    workflow_path     text    COLLATE "C",
    completed         integer NOT NULL CHECK (completed IN (0, 1)),
    duration_seconds  double precision
                      CHECK (duration_seconds IS NULL
                             OR duration_seconds BETWEEN '-1.7976931348623157e308'::float8 AND '1.7976931348623157e308'::float8),
    error_type        text    COLLATE "C",
    session_id        text    COLLATE "C",
    follow_up_actions text    COLLATE "C" NOT NULL DEFAULT '[]' CHECK (sm_is_string_array(follow_up_actions)),
    schema_version    integer NOT NULL DEFAULT 1 CHECK (schema_version >= 1),
    user_context      text    COLLATE "C"
                      CHECK (user_context IS NULL OR jsonb_typeof(user_context::jsonb) = 'object'),
    finished          integer NOT NULL DEFAULT 1
                      CHECK (finished IN (0, 1) AND (finished = 1 OR (completed = 0 AND duration_seconds IS NULL))),
    recorded_at       text    COLLATE "C" NOT NULL
                      DEFAULT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    -- The local database the event was pushed from (NULL for an event written on the server)
    -- and its seq there: a push's cursor is max(source_seq) of its source.
    source_id         uuid,
    source_seq        bigint  CHECK (source_seq IS NULL OR source_seq >= 1),
    CHECK ((source_id IS NULL) = (source_seq IS NULL)),
    UNIQUE (source_id, source_seq)
);

CREATE INDEX idx_skill_invocation_durations ON skill_invocation (skill_name, duration_seconds)
    WHERE completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL;
CREATE INDEX idx_skill_invocation_invoked_at ON skill_invocation (invoked_at);

-- Projection storage (the names of SQLite schema V5).
CREATE TABLE skill_totals (
    skill_name             text    COLLATE "C" PRIMARY KEY,
    total_invocations      bigint  NOT NULL,
    completed_invocations  bigint  NOT NULL,
    abandoned_invocations  bigint  NOT NULL,
    total_duration_seconds double precision NOT NULL,
    first_invoked          text    COLLATE "C" NOT NULL,
    last_invoked           text    COLLATE "C" NOT NULL,
    first_seq              bigint  NOT NULL,
    last_seq               bigint  NOT NULL,
    duration_count         bigint  NOT NULL DEFAULT 0,
    min_duration_seconds   double precision,
    max_duration_seconds   double precision,
    p50_duration_seconds   double precision,
    p95_duration_seconds   double precision,
    p99_duration_seconds   double precision,
    schema_version         integer NOT NULL DEFAULT 1
);

CREATE TABLE skill_key_count (
    skill_name   text   COLLATE "C" NOT NULL,
    field        text   COLLATE "C" NOT NULL
                 CHECK (field IN ('workflow_paths', 'common_errors', 'follow_up_actions')),
    key          text   COLLATE "C" NOT NULL,
    count        bigint NOT NULL,
    first_seq    bigint NOT NULL,
    first_index  bigint NOT NULL,
    PRIMARY KEY (skill_name, field, key)
);
CREATE INDEX idx_skill_key_count_order ON skill_key_count (skill_name, field, first_seq, first_index);

CREATE TABLE session_skill (
    session_id             text   COLLATE "C" NOT NULL,
    skill_name             text   COLLATE "C" NOT NULL,
    invocation_count       bigint NOT NULL,
    first_invoked_at       text   COLLATE "C" NOT NULL,
    last_invoked_at        text   COLLATE "C" NOT NULL,
    total_duration_seconds double precision NOT NULL,
    first_seq              bigint NOT NULL,
    last_seq               bigint NOT NULL,
    PRIMARY KEY (session_id, skill_name)
);
CREATE INDEX idx_session_skill_skill ON session_skill (skill_name);

-- The count dictionaries as SQLite's json_group_object writes them: {"key":count,...} in order
-- of first appearance.
CREATE FUNCTION sm_counts_json(skill text, dict text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT '{' || coalesce(string_agg(to_json(k.key)::text || ':' || k.count::text, ','
                                      ORDER BY k.first_seq, k.first_index), '') || '}'
    FROM skill_key_count k WHERE k.skill_name = skill AND k.field = dict
$$;

-- The V4 columns of the old skill_metrics table, computed on read.
CREATE VIEW skill_metrics AS
SELECT t.skill_name,
       t.total_invocations,
       t.completed_invocations,
       t.abandoned_invocations,
       t.total_duration_seconds,
       sm_counts_json(t.skill_name, 'workflow_paths') AS workflow_paths,
       sm_counts_json(t.skill_name, 'common_errors') AS common_errors,
       sm_counts_json(t.skill_name, 'follow_up_actions') AS follow_up_actions,
       t.first_invoked,
       t.last_invoked,
       CASE WHEN t.total_invocations = 0 THEN 0.0::float8
            ELSE (t.completed_invocations::float8 / t.total_invocations::float8) * 100.0::float8 END
           AS completion_rate,
       CASE WHEN t.completed_invocations = 0 THEN 0.0::float8
            ELSE t.total_duration_seconds / t.completed_invocations::float8 END AS avg_duration_seconds,
       t.first_seq,
       t.last_seq,
       t.schema_version,
       t.duration_count,
       t.min_duration_seconds,
       t.max_duration_seconds,
       t.p50_duration_seconds,
       t.p95_duration_seconds,
       t.p99_duration_seconds
FROM skill_totals t;

-- numpy's _lerp(a, b, t), in IEEE doubles.
CREATE FUNCTION sm_lerp(a float8, b float8, t float8) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE WHEN t >= 0.5::float8 THEN b - (b - a) * (1.0::float8 - t) ELSE a + (b - a) * t END
$$;

-- The value at sorted position pos (0-based) of a skill's durations.
CREATE FUNCTION sm_duration_at(skill text, pos bigint) RETURNS float8
LANGUAGE sql STABLE STRICT AS $$
    SELECT duration_seconds FROM skill_invocation
    WHERE skill_name = skill AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
    ORDER BY duration_seconds OFFSET pos LIMIT 1
$$;

-- Recomputes min, max, p50, p95, p99 of the skills in `skills` from the duration index.
CREATE FUNCTION sm_refresh_percentiles(skills text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    skill text;
    n bigint;
    p float8;
    k float8;
    f bigint;
    c bigint;
    results float8[];
BEGIN
    FOREACH skill IN ARRAY skills LOOP
        SELECT duration_count INTO n FROM skill_totals WHERE skill_name = skill;
        IF n IS NULL OR n = 0 THEN
            CONTINUE;
        END IF;
        results := ARRAY[]::float8[];
        FOREACH p IN ARRAY ARRAY['0.5'::float8, '0.95'::float8, '0.99'::float8] LOOP
            k := (n - 1)::float8 * p;
            f := floor(k)::bigint;
            c := least(f + 1, n - 1);
            results := results || sm_lerp(sm_duration_at(skill, f), sm_duration_at(skill, c), k - f::float8);
        END LOOP;
        UPDATE skill_totals SET
            min_duration_seconds = sm_duration_at(skill, 0),
            max_duration_seconds = sm_duration_at(skill, n - 1),
            p50_duration_seconds = results[1],
            p95_duration_seconds = results[2],
            p99_duration_seconds = results[3]
        WHERE skill_name = skill;
    END LOOP;
END
$$;

-- Writers are serialised: every INSERT (or COPY) statement on the log takes this transaction-
-- scoped advisory lock before its first row gets a seq, so one transaction appends at a time
-- and commit order = seq order = trigger order. An advisory lock rather than a table lock: a
-- plain INSERT already holds ROW EXCLUSIVE on the table, and upgrading that to a
-- self-conflicting table lock in two sessions at once would deadlock. `push` takes the same
-- lock (sm_lock_writers) at the start of each batch's transaction, so its duplicate and
-- conflict check and its insert see one state of the log.
CREATE FUNCTION sm_lock_writers() RETURNS void
LANGUAGE sql AS $$ SELECT pg_advisory_xact_lock(5361939043147309) $$;

CREATE FUNCTION sm_serialise_writers() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sm_lock_writers();
    RETURN NULL;
END
$$;

CREATE TRIGGER skill_invocation_serialise_writers
BEFORE INSERT ON skill_invocation
FOR EACH STATEMENT EXECUTE FUNCTION sm_serialise_writers();

CREATE FUNCTION sm_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'skill_invocation is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER skill_invocation_no_update BEFORE UPDATE ON skill_invocation
FOR EACH STATEMENT EXECUTE FUNCTION sm_refuse_change();
CREATE TRIGGER skill_invocation_no_delete BEFORE DELETE ON skill_invocation
FOR EACH STATEMENT EXECUTE FUNCTION sm_refuse_change();
CREATE TRIGGER skill_invocation_no_truncate BEFORE TRUNCATE ON skill_invocation
FOR EACH STATEMENT EXECUTE FUNCTION sm_refuse_change();

-- The projections, once per INSERT statement over its transition table, folding the new rows
-- in seq order. IEEE sums in seq order: sum(float8) adds its inputs one by one in the
-- aggregate's ORDER BY, starting from the stored total.
-- SECURITY DEFINER: writers (the push role) may only insert events; the projections are
-- written with the owner's rights.
CREATE FUNCTION sm_project() RETURNS trigger
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

CREATE TRIGGER skill_invocation_project
AFTER INSERT ON skill_invocation
REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT EXECUTE FUNCTION sm_project();
