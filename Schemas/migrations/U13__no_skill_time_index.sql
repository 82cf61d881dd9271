-- Undo V13: idx_skill_invocation_skill_time again, with V9's definition (built by one sort of
-- the events it indexes).

CREATE INDEX idx_skill_invocation_skill_time ON skill_invocation (skill_name, invoked_at DESC);
