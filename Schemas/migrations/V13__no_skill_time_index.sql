-- V13: idx_skill_invocation_skill_time dropped (issue 9, the batched-append bar).
--
-- The `(skill_name, invoked_at DESC)` index took an insert at one of ~120 places (a skill's
-- newest end) for every event, so a 1,000-event batch dirtied ~240 of its pages, rewritten into
-- the WAL and again at the checkpoint, and its mid-tree splits left it half full (81 MB against
-- 39 MB for the `invoked_at` index on a 1M-event real-shaped log). Its one reader was
-- `report --html`'s invocations per day of the eight most used skills, which now counts them in
-- one scan of the log (HTMLReportRenderer). The percentile cursors read
-- idx_skill_invocation_durations; lookups by time read idx_skill_invocation_invoked_at; neither
-- changes. Events, projections and triggers are untouched.

DROP INDEX idx_skill_invocation_skill_time;
