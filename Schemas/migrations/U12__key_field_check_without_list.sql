-- Undo V12: skill_key_count with V5's definition again (the IN-list CHECK), its rows copied
-- aside and back unchanged.

CREATE TEMP TABLE skill_key_count_u12 (skill_name, field, key, count, first_seq, first_index);
INSERT INTO temp.skill_key_count_u12 SELECT skill_name, field, key, count, first_seq, first_index FROM main.skill_key_count;
DROP TABLE main.skill_key_count;

CREATE TABLE skill_key_count (
    skill_name  TEXT    NOT NULL,
    field       TEXT    NOT NULL CHECK (field IN ('workflow_paths', 'common_errors', 'follow_up_actions')),
    key         TEXT    NOT NULL,
    count       INTEGER NOT NULL,
    first_seq   INTEGER NOT NULL,
    first_index INTEGER NOT NULL,
    PRIMARY KEY (skill_name, field, key)
) WITHOUT ROWID;

INSERT INTO main.skill_key_count (skill_name, field, key, count, first_seq, first_index)
SELECT skill_name, field, key, count, first_seq, first_index FROM temp.skill_key_count_u12
ORDER BY skill_name, field, key;
DROP TABLE temp.skill_key_count_u12;
