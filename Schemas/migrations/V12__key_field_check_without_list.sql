-- V12: skill_key_count's field CHECK as three comparisons instead of an IN list (issue 9, the
-- foreign-client bar).
--
-- SQLite codes `x IN (a, b, c)` with three or more constants as a probe of an ephemeral index
-- that it fills with the constants once per statement run: inside the projection trigger
-- that is once per event that writes a count row, about 30k instructions (a plain INSERT of
-- the event itself costs less). `field = a OR field = b OR field = c` is the same condition
-- without it. Measured with Python's sqlite3 (callgrind, instructions per event over events
-- 2,001-6,000, projection triggers on): real-shaped 442k -> 404k, adversarial 393k -> 348k;
-- the projection trigger's own share ~19% less on both (docs/performance.md).
--
-- The table is rebuilt (a CHECK cannot be altered in place): its rows are copied aside into a
-- temporary table without column types (nothing converted), the table is dropped and created
-- again with V5's definition but the new CHECK, and the rows go back. The projection trigger
-- and the skill_metrics view name the table and need no change. Values: every row, byte for byte.

CREATE TEMP TABLE skill_key_count_v12 (skill_name, field, key, count, first_seq, first_index);
INSERT INTO temp.skill_key_count_v12 SELECT skill_name, field, key, count, first_seq, first_index FROM main.skill_key_count;
DROP TABLE main.skill_key_count;

CREATE TABLE skill_key_count (
    skill_name  TEXT    NOT NULL,
    field       TEXT    NOT NULL CHECK (field = 'workflow_paths' OR field = 'common_errors' OR field = 'follow_up_actions'),
    key         TEXT    NOT NULL,
    count       INTEGER NOT NULL,
    first_seq   INTEGER NOT NULL,
    first_index INTEGER NOT NULL,
    PRIMARY KEY (skill_name, field, key)
) WITHOUT ROWID;

INSERT INTO main.skill_key_count (skill_name, field, key, count, first_seq, first_index)
SELECT skill_name, field, key, count, first_seq, first_index FROM temp.skill_key_count_v12
ORDER BY skill_name, field, key;
DROP TABLE temp.skill_key_count_v12;
