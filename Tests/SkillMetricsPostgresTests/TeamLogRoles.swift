/// The least-privilege roles of docs/scale-out.md (keep the two in step).
enum TeamLogRoles {
    static func sql(database: String) -> String {
        """
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgpush') THEN
                CREATE ROLE pgpush LOGIN PASSWORD 'push-secret';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgread') THEN
                CREATE ROLE pgread LOGIN PASSWORD 'read-secret';
            END IF;
        END $$;
        GRANT CONNECT ON DATABASE \(database) TO pgpush, pgread;
        GRANT USAGE ON SCHEMA public TO pgpush, pgread;
        -- push: insert events, read what the cursor and the duplicate check need, the
        -- migration history (push refuses a log migrated by another build) and the log's id (a
        -- replica leaves out what it pulled from this log)
        GRANT SELECT, INSERT ON skill_invocation TO pgpush;
        GRANT SELECT ON schema_migrations, team_log_identity TO pgpush;
        -- read (dashboards, pull): the log, the projections and the migration history, nothing else
        GRANT SELECT ON skill_invocation, team_log_identity, skill_totals, skill_key_count,
                        session_skill, skill_metrics, schema_migrations TO pgread;
        """
    }
}
