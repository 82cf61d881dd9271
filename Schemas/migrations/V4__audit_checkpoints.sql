-- V4: tamper evidence. A checkpoint records the SHA-256 hash chain over every event up to a
-- seq; audit_event_hash keeps each event's leaf hash so that `audit verify` can name the first
-- seq that was changed, removed or inserted. Both tables are append-only like the log.
-- (Versions V2 and V3 are assigned to other migrations; gaps are fine for the runner.)

CREATE TABLE audit_checkpoint (
    -- the last event seq the digest covers (0: the empty log)
    seq         INTEGER PRIMARY KEY CHECK (typeof(seq) = 'integer' AND seq >= 0),
    -- hex SHA-256 chain digest through seq
    digest      TEXT    NOT NULL CHECK (typeof(digest) = 'text' AND length(digest) = 64),
    -- number of events the digest covers
    event_count INTEGER NOT NULL CHECK (typeof(event_count) = 'integer' AND event_count >= 0),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE audit_event_hash (
    seq  INTEGER PRIMARY KEY,
    -- SHA-256 of the event's canonical encoding (seq and every content column)
    hash BLOB    NOT NULL CHECK (typeof(hash) = 'blob' AND length(hash) = 32)
);

CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoint is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoint is append-only: DELETE is not allowed');
END;

CREATE TRIGGER audit_event_hash_no_update BEFORE UPDATE ON audit_event_hash
BEGIN
    SELECT RAISE(ABORT, 'audit_event_hash is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER audit_event_hash_no_delete BEFORE DELETE ON audit_event_hash
BEGIN
    SELECT RAISE(ABORT, 'audit_event_hash is append-only: DELETE is not allowed');
END;
