extension SkillMetricsStore {
    /// Applies pending migrations up to `version` (all when nil); returns the versions applied.
    @discardableResult
    public func migrate(upTo version: Int? = nil) throws -> [Int] {
        try withBusyRetry { try migrationRunner.migrate(pool, upTo: version) }
    }

    /// Undoes applied migrations above `version`; returns the versions undone.
    @discardableResult
    public func undoMigrations(to version: Int) throws -> [Int] {
        try withBusyRetry { try migrationRunner.undo(pool, to: version) }
    }

    /// Each known or applied version with its state.
    public func migrationStatus() throws -> [MigrationRunner.VersionStatus] {
        try read { db in try migrationRunner.status(db) }
    }

    /// Problems with the applied history (changed files, missing files, out-of-order versions).
    public func migrationProblems() throws -> [MigrationProblem] {
        try read { db in try migrationRunner.validate(db) }
    }
}
