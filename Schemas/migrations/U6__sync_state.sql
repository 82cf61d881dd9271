-- Undo V6: drops the team-log sync state (the next push creates a new source id, so the
-- database's events would be pushed again under it: undo only a database that never pushed).
DROP TABLE IF EXISTS sync_pull;
DROP TABLE IF EXISTS sync_source;
