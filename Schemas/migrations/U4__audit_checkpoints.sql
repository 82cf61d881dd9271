-- Undo V4: drops the audit tables (recorded checkpoints are lost; keep printed digests).
DROP TRIGGER IF EXISTS audit_event_hash_no_delete;
DROP TRIGGER IF EXISTS audit_event_hash_no_update;
DROP TRIGGER IF EXISTS audit_checkpoint_no_delete;
DROP TRIGGER IF EXISTS audit_checkpoint_no_update;
DROP TABLE IF EXISTS audit_event_hash;
DROP TABLE IF EXISTS audit_checkpoint;
