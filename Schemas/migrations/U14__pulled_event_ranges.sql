-- Undo V14: drops the ranges of pulled events (push then sends pulled events back to the log
-- they came from the careful way again: each is looked up, found, skipped).

DROP TABLE IF EXISTS sync_pulled_range;
