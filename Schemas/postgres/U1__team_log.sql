-- Undo of PostgreSQL V1: drops the team log and everything derived from it.
DROP VIEW IF EXISTS skill_metrics;
DROP TABLE IF EXISTS session_skill;
DROP TABLE IF EXISTS skill_key_count;
DROP TABLE IF EXISTS skill_totals;
DROP TABLE IF EXISTS skill_invocation;
DROP TABLE IF EXISTS team_log_identity;
DROP FUNCTION IF EXISTS sm_project();
DROP FUNCTION IF EXISTS sm_refuse_change();
DROP FUNCTION IF EXISTS sm_serialise_writers();
DROP FUNCTION IF EXISTS sm_lock_writers();
DROP FUNCTION IF EXISTS sm_refresh_percentiles(text[]);
DROP FUNCTION IF EXISTS sm_duration_at(text, bigint);
DROP FUNCTION IF EXISTS sm_lerp(float8, float8, float8);
DROP FUNCTION IF EXISTS sm_counts_json(text, text);
DROP FUNCTION IF EXISTS sm_is_canonical_time(text);
DROP FUNCTION IF EXISTS sm_is_string_array(text);
