-- Undo V3: drop the legacy bridge's bookkeeping (events are not touched).
DROP TABLE legacy_cutover;
DROP TABLE legacy_import;
