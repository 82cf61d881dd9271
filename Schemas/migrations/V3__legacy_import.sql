-- V3: bookkeeping for the legacy JSON bridge (import-json, cutover, rollback).
-- The events themselves live in skill_invocation (their legacy text in user_context); these
-- tables only record file-level facts that no single event carries.

-- One row per committed import of a legacy file.
CREATE TABLE legacy_import (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    source_path     TEXT    NOT NULL,
    dialect         TEXT    NOT NULL CHECK (dialect IN ('crackerjack', 'session-buddy')),
    -- the IANA zone the file's naive local times were read in
    time_zone       TEXT    NOT NULL,
    -- the file's last_updated, exactly as written (NULL for session-buddy)
    last_updated    TEXT,
    invocations     INTEGER NOT NULL CHECK (invocations >= 0),
    appended        INTEGER NOT NULL CHECK (appended >= 0),
    already_present INTEGER NOT NULL CHECK (already_present >= 0),
    -- max(seq) of the log when the import committed: later events were not in the file
    log_seq         INTEGER NOT NULL,
    imported_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Cutover (the database becomes the source of truth) and rollback (the file is written back).
CREATE TABLE legacy_cutover (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL CHECK (kind IN ('cutover', 'rollback')),
    legacy_path TEXT    NOT NULL,
    backup_path TEXT,
    log_seq     INTEGER NOT NULL,
    at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
