-- V14: which local events a pull appended, per team log, so that push does not send them back.
--
-- A replica pulls the team's events from a team log (`skill-metrics pull`); push sends the local
-- events after the server's cursor for this database's source, max(source_seq). Pulled events
-- are not this source's, so that cursor never passes them: before V14 every push from a replica
-- sent all of them again, the careful way (each id looked up on the server, found with the same
-- content, skipped) — 13.7 s for 1M pulled events, on every push, while nothing was new.
--
-- sync_pulled_range: per team log (its server_id, as in sync_pull), ranges of local seqs that
-- pulls from it appended, written in the same transaction as the events. A pull whose events
-- follow the previous range of the same log extends it, so a replica that only pulls keeps one
-- row per log. push skips the ranges of the log it pushes to (those events are there: they came
-- from it) and still sends them to any other log.

CREATE TABLE sync_pulled_range (
    server_id TEXT NOT NULL,
    first_seq INTEGER NOT NULL CHECK (first_seq >= 1),
    last_seq INTEGER NOT NULL CHECK (last_seq >= first_seq),
    PRIMARY KEY (server_id, first_seq)) WITHOUT ROWID;
