-- V1: the append-only event log, its two live projections and the triggers that keep them.
--
-- skill_invocation is the only write path. Every row is one finished invocation (finished = 1)
-- or a legacy invocation whose completer never ran (finished = 0, never projected).
-- The AFTER INSERT triggers below implement DESIGN.md section 3; the Swift projectors
-- (Sources/SkillMetrics/Projections) implement the same rules independently, and
-- `skill-metrics verify` proves that they agree.
--
-- Text values may hold any Unicode character except U+0000: SQLite 3.40's JSON functions cut
-- strings at U+0000, so the count dictionaries could not keep such keys exactly.

CREATE TABLE skill_invocation (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT    NOT NULL UNIQUE
                      CHECK (typeof(id) = 'text' AND length(id) BETWEEN 1 AND 200
                             AND instr(id, char(0)) = 0),
    skill_name        TEXT    NOT NULL
                      CHECK (typeof(skill_name) = 'text' AND instr(skill_name, char(0)) = 0),
    -- canonical UTC, microseconds, fixed width: YYYY-MM-DDTHH:MM:SS.ffffffZ
    invoked_at        TEXT    NOT NULL
                      CHECK (typeof(invoked_at) = 'text' AND length(invoked_at) = 27
                             AND invoked_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
                             AND strftime('%Y-%m-%dT%H:%M:%S', substr(invoked_at, 1, 19), '+0 seconds') = substr(invoked_at, 1, 19)),
    workflow_path     TEXT
                      CHECK (workflow_path IS NULL
                             OR (typeof(workflow_path) = 'text' AND instr(workflow_path, char(0)) = 0)),
    completed         INTEGER NOT NULL CHECK (completed IN (0, 1)),
    duration_seconds  REAL
                      CHECK (duration_seconds IS NULL
                             OR (typeof(duration_seconds) = 'real'
                                 AND duration_seconds BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308)),
    error_type        TEXT
                      CHECK (error_type IS NULL
                             OR (typeof(error_type) = 'text' AND instr(error_type, char(0)) = 0)),
    session_id        TEXT
                      CHECK (session_id IS NULL
                             OR (typeof(session_id) = 'text' AND instr(session_id, char(0)) = 0)),
    -- JSON array of strings; the element check (no subqueries in CHECK) is a BEFORE INSERT trigger
    follow_up_actions TEXT    NOT NULL DEFAULT '[]'
                      CHECK (json_valid(follow_up_actions) AND json_type(follow_up_actions) = 'array'
                             AND instr(follow_up_actions, '\u0000') = 0),
    schema_version    INTEGER NOT NULL DEFAULT 1 CHECK (typeof(schema_version) = 'integer' AND schema_version >= 1),
    -- extra fields a legacy source carried, kept so that export is lossless
    user_context      TEXT
                      CHECK (user_context IS NULL
                             OR (json_valid(user_context) AND json_type(user_context) = 'object')),
    -- 1: a finished invocation (projected). 0: a legacy invocation that never finished
    -- (kept as a fact, excluded from every projection).
    finished          INTEGER NOT NULL DEFAULT 1
                      CHECK (finished IN (0, 1) AND (finished = 1 OR (completed = 0 AND duration_seconds IS NULL))),
    -- when the row was appended (UTC); not part of the event's content
    recorded_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX idx_skill_invocation_skill_time ON skill_invocation (skill_name, invoked_at DESC);
CREATE INDEX idx_skill_invocation_completed ON skill_invocation (completed);
CREATE INDEX idx_skill_invocation_invoked_at ON skill_invocation (invoked_at);
CREATE INDEX idx_skill_invocation_session ON skill_invocation (session_id) WHERE session_id IS NOT NULL;

-- Immutability: the log is append-only whoever writes to the file.
CREATE TRIGGER skill_invocation_no_update
BEFORE UPDATE ON skill_invocation
BEGIN
    SELECT RAISE(ABORT, 'skill_invocation is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER skill_invocation_no_delete
BEFORE DELETE ON skill_invocation
BEGIN
    SELECT RAISE(ABORT, 'skill_invocation is append-only: DELETE is not allowed');
END;

-- Guards the paths around the two triggers above: INSERT OR REPLACE (which deletes the old
-- row without firing DELETE triggers), explicit seq values that would land in the middle of
-- the log, and follow-up lists holding something other than strings.
CREATE TRIGGER skill_invocation_check_insert
BEFORE INSERT ON skill_invocation
BEGIN
    SELECT RAISE(ABORT, 'skill_invocation: an event with this id already exists')
    WHERE EXISTS (SELECT 1 FROM skill_invocation WHERE id = NEW.id);
    SELECT RAISE(ABORT, 'skill_invocation: seq must be left to SQLite (it may only grow)')
    WHERE NEW.seq IS NOT NULL AND NEW.seq <> -1
      AND NEW.seq <= coalesce((SELECT max(seq) FROM skill_invocation), 0);
    SELECT RAISE(ABORT, 'skill_invocation: follow_up_actions must be a JSON array of strings')
    WHERE json_valid(NEW.follow_up_actions)
      AND EXISTS (SELECT 1 FROM json_each(NEW.follow_up_actions) WHERE type <> 'text');
END;

-- Projection: one row per skill (DESIGN.md section 3).
CREATE TABLE skill_metrics (
    skill_name             TEXT    PRIMARY KEY NOT NULL,
    total_invocations      INTEGER NOT NULL,
    completed_invocations  INTEGER NOT NULL,
    abandoned_invocations  INTEGER NOT NULL,
    total_duration_seconds REAL    NOT NULL,
    workflow_paths         TEXT    NOT NULL,
    common_errors          TEXT    NOT NULL,
    follow_up_actions      TEXT    NOT NULL,
    first_invoked          TEXT    NOT NULL,
    last_invoked           TEXT    NOT NULL,
    completion_rate        REAL    NOT NULL,
    avg_duration_seconds   REAL    NOT NULL,
    -- seq of the skill's first and last finished event: the legacy `skills` order
    first_seq              INTEGER NOT NULL,
    last_seq               INTEGER NOT NULL,
    schema_version         INTEGER NOT NULL DEFAULT 1
);

CREATE INDEX idx_skill_metrics_first_seq ON skill_metrics (first_seq);

-- Projection: one row per (session, skill) for events that carry a session id.
CREATE TABLE session_skill (
    session_id             TEXT    NOT NULL,
    skill_name             TEXT    NOT NULL,
    invocation_count       INTEGER NOT NULL,
    first_invoked_at       TEXT    NOT NULL,
    last_invoked_at        TEXT    NOT NULL,
    total_duration_seconds REAL    NOT NULL,
    first_seq              INTEGER NOT NULL,
    last_seq               INTEGER NOT NULL,
    PRIMARY KEY (session_id, skill_name)
);

CREATE INDEX idx_session_skill_skill ON session_skill (skill_name);

-- Live projection of skill_metrics. Count dictionaries are rebuilt with json_each over the
-- stored dict plus the event's keys, grouped by key (BINARY: exact), in order of first
-- appearance (the stored entries' json_each.id, then the new keys'), and fed to
-- json_group_object. No JSON path is ever built from user text.
CREATE TRIGGER skill_invocation_project_skill_metrics
AFTER INSERT ON skill_invocation
WHEN NEW.finished = 1
BEGIN
    INSERT INTO skill_metrics (
        skill_name, total_invocations, completed_invocations, abandoned_invocations,
        total_duration_seconds, workflow_paths, common_errors, follow_up_actions,
        first_invoked, last_invoked, completion_rate, avg_duration_seconds, first_seq, last_seq)
    VALUES (NEW.skill_name, 0, 0, 0, 0.0, '{}', '{}', '{}', NEW.invoked_at, NEW.invoked_at,
            0.0, 0.0, NEW.seq, NEW.seq)
    ON CONFLICT (skill_name) DO NOTHING;

    UPDATE skill_metrics SET
        total_invocations = total_invocations + 1,
        completed_invocations = completed_invocations + NEW.completed,
        abandoned_invocations = abandoned_invocations + (1 - NEW.completed),
        total_duration_seconds = CASE
            WHEN NEW.completed = 1 AND NEW.duration_seconds IS NOT NULL AND NEW.duration_seconds <> 0
            THEN total_duration_seconds + NEW.duration_seconds
            ELSE total_duration_seconds END,
        workflow_paths = CASE
            WHEN NEW.workflow_path IS NULL OR NEW.workflow_path = '' THEN workflow_paths
            ELSE (SELECT json_group_object(k, c) FROM (
                    SELECT k, sum(c) AS c FROM (
                        SELECT key AS k, value AS c, id AS ord FROM json_each(workflow_paths)
                        UNION ALL
                        SELECT NEW.workflow_path, 1, 9223372036854775807)
                    GROUP BY k ORDER BY min(ord))) END,
        common_errors = CASE
            WHEN NEW.error_type IS NULL OR NEW.error_type = '' THEN common_errors
            ELSE (SELECT json_group_object(k, c) FROM (
                    SELECT k, sum(c) AS c FROM (
                        SELECT key AS k, value AS c, id AS ord FROM json_each(common_errors)
                        UNION ALL
                        SELECT NEW.error_type, 1, 9223372036854775807)
                    GROUP BY k ORDER BY min(ord))) END,
        follow_up_actions = CASE
            WHEN NEW.follow_up_actions = '[]' OR json_array_length(NEW.follow_up_actions) = 0
            THEN follow_up_actions
            ELSE (SELECT json_group_object(k, c) FROM (
                    SELECT k, sum(c) AS c FROM (
                        SELECT key AS k, value AS c, id AS ord FROM json_each(follow_up_actions)
                        UNION ALL
                        SELECT value, 1, 4611686018427387904 + id FROM json_each(NEW.follow_up_actions))
                    GROUP BY k ORDER BY min(ord))) END,
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
                 / CAST(completed_invocations + NEW.completed AS REAL) END
    WHERE skill_name = NEW.skill_name;
END;

-- Live projection of session_skill.
CREATE TRIGGER skill_invocation_project_session_skill
AFTER INSERT ON skill_invocation
WHEN NEW.finished = 1 AND NEW.session_id IS NOT NULL
BEGIN
    INSERT INTO session_skill (
        session_id, skill_name, invocation_count, first_invoked_at, last_invoked_at,
        total_duration_seconds, first_seq, last_seq)
    VALUES (NEW.session_id, NEW.skill_name, 1, NEW.invoked_at, NEW.invoked_at,
            CASE WHEN NEW.duration_seconds IS NULL THEN 0.0 ELSE 0.0 + NEW.duration_seconds END,
            NEW.seq, NEW.seq)
    ON CONFLICT (session_id, skill_name) DO UPDATE SET
        invocation_count = invocation_count + 1,
        last_invoked_at = NEW.invoked_at,
        last_seq = NEW.seq,
        total_duration_seconds = CASE
            WHEN NEW.duration_seconds IS NULL THEN total_duration_seconds
            ELSE total_duration_seconds + NEW.duration_seconds END;
END;
