-- Undoes V2: back to exactly the V1 schema (ALTER TABLE DROP COLUMN gives back the
-- original CREATE TABLE text; a test compares sqlite_master with a fresh V1 database).
DROP TABLE skill_metrics_summary;
DROP TRIGGER skill_invocation_project_workflow_path;
DROP TABLE skill_workflow_path_fts;
DROP TABLE skill_workflow_path;
DROP TRIGGER skill_invocation_project_percentiles;
DROP INDEX idx_skill_invocation_durations;
ALTER TABLE skill_metrics DROP COLUMN p99_cursor_seq;
ALTER TABLE skill_metrics DROP COLUMN p99_cursor_duration;
ALTER TABLE skill_metrics DROP COLUMN p95_cursor_seq;
ALTER TABLE skill_metrics DROP COLUMN p95_cursor_duration;
ALTER TABLE skill_metrics DROP COLUMN p50_cursor_seq;
ALTER TABLE skill_metrics DROP COLUMN p50_cursor_duration;
ALTER TABLE skill_metrics DROP COLUMN p99_duration_seconds;
ALTER TABLE skill_metrics DROP COLUMN p95_duration_seconds;
ALTER TABLE skill_metrics DROP COLUMN p50_duration_seconds;
ALTER TABLE skill_metrics DROP COLUMN max_duration_seconds;
ALTER TABLE skill_metrics DROP COLUMN min_duration_seconds;
ALTER TABLE skill_metrics DROP COLUMN duration_count;
