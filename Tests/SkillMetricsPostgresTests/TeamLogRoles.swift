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
        -- push: insert events, read what the cursor and the duplicate check need
        GRANT SELECT, INSERT ON skill_invocation TO pgpush;
        -- read (dashboards, pull): the log and the projections, nothing else
        GRANT SELECT ON skill_invocation, team_log_identity, skill_totals, skill_key_count,
                        session_skill, skill_metrics TO pgread;
        """
    }
}
