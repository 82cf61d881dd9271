-- V6: what the PostgreSQL team log (`skill-metrics push` / `pull`) keeps in a local database.
--
-- sync_source: the UUID this database is known by on a team log (its events are pushed as
-- (source_id, source_seq = the local seq)); created on the first push and kept.
-- sync_pull: per team log (its server_id), the last server seq pulled into this database.

CREATE TABLE sync_source (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    source_id TEXT NOT NULL CHECK (length(source_id) = 36),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));

CREATE TABLE sync_pull (
    server_id TEXT PRIMARY KEY NOT NULL,
    last_server_seq INTEGER NOT NULL CHECK (last_server_seq >= 0));
