import Foundation
import PostgresNIO
import SkillMetrics

/// Applies, inspects, validates and undoes the PostgreSQL schema (`Schemas/postgres`) with the
/// core runner's rules: numeric order, SHA-256 checksums of the LF-normalised files, each
/// migration and its `schema_migrations` row in one transaction, edited files refused.
public struct PostgresMigrationRunner: Sendable {
    /// One version's state.
    public struct Status: Sendable, Equatable {
        public var version: Int
        public var description: String
        /// `applied`, `pending`, `checksum-mismatch` or `missing-file`.
        public var state: String
        public var checksum: String
        public var appliedAt: String?
        public var file: String?
    }

    public let migrations: [Migration]

    /// The runner over the embedded `Schemas/postgres` files.
    public init() throws(SkillMetricsError) {
        migrations = try EmbeddedMigrations.migrations()
    }

    /// The runner over explicit migrations (tests).
    public init(migrations: [Migration]) {
        self.migrations = migrations
    }

    private static let bookkeeping = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY,
            description text NOT NULL,
            checksum text NOT NULL,
            applied_at text NOT NULL,
            execution_time_ms bigint NOT NULL)
        """

    private func applied(_ log: TeamLogConnection) async throws(TeamLogError) -> [(version: Int, checksum: String, appliedAt: String, description: String)] {
        let exists = try await log.rows("SELECT to_regclass('schema_migrations') IS NOT NULL", "reading schema_migrations")
        guard let first = exists.first, try ServerRow(first, "schema_migrations").value(0, Bool.self) else { return [] }
        let rows = try await log.rows(
            "SELECT version, checksum, applied_at, description FROM schema_migrations ORDER BY version",
            "reading schema_migrations")
        var result: [(version: Int, checksum: String, appliedAt: String, description: String)] = []
        for postgresRow in rows {
            let row = ServerRow(postgresRow, "schema_migrations")
            result.append((try row.value(0, Int.self), try row.value(1, String.self), try row.value(2, String.self),
                           try row.value(3, String.self)))
        }
        return result
    }

    /// Problems that make `migrate` refuse (and `migrate validate` exit 1).
    public func problems(_ log: TeamLogConnection) async throws(TeamLogError) -> [String] {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        var problems: [String] = []
        let done = try await applied(log)
        if done.isEmpty, try await holdsTeamLogTables(log) {
            problems.append(Self.missingHistory)
        }
        let newestApplied = done.map(\.version).max() ?? 0
        for row in done {
            guard let migration = known[row.version] else {
                problems.append("V\(row.version) is applied on the server but this build has no file for it")
                continue
            }
            if migration.checksum != row.checksum {
                problems.append("V\(row.version) (\(migration.fileName)) was edited after it was applied: checksum \(migration.checksum.prefix(16)) ≠ applied \(row.checksum.prefix(16))")
            }
        }
        let appliedVersions = Set(done.map(\.version))
        for migration in migrations where !appliedVersions.contains(migration.version) && migration.version < newestApplied {
            problems.append("V\(migration.version) is pending below the applied V\(newestApplied)")
        }
        return problems
    }

    /// Throws ``TeamLogError/schema(_:)`` naming each of ``problems(_:)`` when there are any: a
    /// log migrated by a newer build, or by edited files, may keep its projections by other
    /// rules than this build's, so writing to it or verifying it here is refused. Pending
    /// migrations above the applied ones are no problem (the server keeps its own rules). A
    /// role without SELECT on `schema_migrations` (set up before docs/scale-out.md granted it)
    /// is not checked: the owner's `migrate validate` still is.
    public func requireKnownHistory(_ log: TeamLogConnection) async throws(TeamLogError) {
        let readable = try await log.rows(
            "SELECT has_table_privilege(to_regclass('schema_migrations'), 'SELECT')", "reading the migration history's privileges")
        guard let row = readable.first else { return }
        let privilege = try ServerRow(row, "schema_migrations").value(0, Bool?.self)
        if privilege == nil, try await holdsTeamLogTables(log) {
            // No schema_migrations at all beside a team log's tables: its rules are unknown.
            throw .schema(Self.missingHistory)
        }
        guard privilege == true else { return }
        let found = try await problems(log)
        guard found.isEmpty else {
            throw .schema(found.joined(separator: "; ")
                + " (this build's migrations are V1–V\(migrations.map(\.version).max() ?? 0); "
                + "`skill-metrics migrate validate --db URL` lists the problems, a newer skill-metrics may know the log)")
        }
    }

    /// The problem of a team log whose migration history is gone (schema_migrations dropped or
    /// emptied): nothing tells which migrations made its tables, so no command trusts them.
    static let missingHistory = "the database holds a team log (skill_invocation, team_log_identity) but no migration history: "
        + "schema_migrations is missing or empty, so the rules its tables and triggers follow are unknown; "
        + "restore schema_migrations from a backup of the log (or rebuild the log from its sources' pushes into a new database)"

    /// Whether the database holds a team log's tables, whatever its migration history says.
    private func holdsTeamLogTables(_ log: TeamLogConnection) async throws(TeamLogError) -> Bool {
        let rows = try await log.rows(
            "SELECT to_regclass('skill_invocation') IS NOT NULL OR to_regclass('team_log_identity') IS NOT NULL",
            "looking for the team log's tables")
        guard let row = rows.first else { return false }
        return try ServerRow(row, "team log tables").value(0, Bool.self)
    }

    /// Throws ``TeamLogError/migration(_:)`` (``MigrationProblem/unknownTarget(_:)``) unless
    /// `target` is 0 or the version of one of ``migrations``: the local runner's rule
    /// (`MigrationRunner`), so `migrate --to 99` or `migrate undo --to -5` is refused on both
    /// sides alike, before anything on the server changes.
    public func requireKnownTarget(_ target: Int) throws(TeamLogError) {
        guard target == 0 || migrations.contains(where: { $0.version == target }) else {
            throw .migration(.unknownTarget(target))
        }
    }

    /// Applies the pending migrations up to `target` (all when nil); returns the versions
    /// applied. A target no migration has is refused first (``requireKnownTarget(_:)``).
    @discardableResult
    public func migrate(_ log: TeamLogConnection, upTo target: Int? = nil) async throws(TeamLogError) -> [Int] {
        if let target { try requireKnownTarget(target) }
        // Problems first: a log whose history was dropped gets no new, empty one.
        let problems = try await problems(log)
        guard problems.isEmpty else { throw .schema(problems.joined(separator: "; ")) }
        try await log.script(Self.bookkeeping, "creating schema_migrations")
        let appliedVersions = Set(try await applied(log).map(\.version))
        var done: [Int] = []
        for migration in migrations where !appliedVersions.contains(migration.version) {
            if let target, migration.version > target { break }
            let started = Date()
            do {
                try await log.transaction("applying \(migration.fileName)") {
                    try await log.script(migration.sql, "applying \(migration.fileName)")
                    let elapsed = Int64(Date().timeIntervalSince(started) * 1000)
                    try await log.execute("""
                        INSERT INTO schema_migrations (version, description, checksum, applied_at, execution_time_ms)
                        VALUES (\(migration.version), \(migration.description), \(migration.checksum),
                                to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), \(elapsed))
                        """, "recording \(migration.fileName)")
                }
            } catch let error as TeamLogError {
                throw error
            } catch {
                throw .server(operation: "applying \(migration.fileName)", reason: "\(error)")
            }
            done.append(migration.version)
        }
        return done
    }

    /// The highest applied version (0 when none).
    public func schemaVersion(_ log: TeamLogConnection) async throws(TeamLogError) -> Int {
        try await applied(log).map(\.version).max() ?? 0
    }

    /// Every known or applied version with its state.
    public func status(_ log: TeamLogConnection) async throws(TeamLogError) -> [Status] {
        let done = try await applied(log)
        let appliedByVersion = Dictionary(uniqueKeysWithValues: done.map { ($0.version, $0) })
        var rows: [Status] = migrations.map { migration in
            if let row = appliedByVersion[migration.version] {
                return Status(
                    version: migration.version, description: migration.description,
                    state: row.checksum == migration.checksum ? "applied" : "checksum-mismatch",
                    checksum: migration.checksum, appliedAt: row.appliedAt, file: migration.fileName)
            }
            return Status(
                version: migration.version, description: migration.description, state: "pending",
                checksum: migration.checksum, appliedAt: nil, file: migration.fileName)
        }
        let known = Set(migrations.map(\.version))
        for row in done where !known.contains(row.version) {
            rows.append(Status(
                version: row.version, description: row.description, state: "missing-file",
                checksum: row.checksum, appliedAt: row.appliedAt, file: nil))
        }
        return rows.sorted { $0.version < $1.version }
    }

    /// Undoes the applied migrations above `target`, newest first, each with its undo file in
    /// one transaction with the removal of its row; returns the versions undone. A target no
    /// migration has is refused first (``requireKnownTarget(_:)``): `--to -5` undid everything.
    @discardableResult
    public func undo(_ log: TeamLogConnection, to target: Int) async throws(TeamLogError) -> [Int] {
        try requireKnownTarget(target)
        let problems = try await problems(log)
        guard problems.isEmpty else { throw .schema(problems.joined(separator: "; ")) }
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        var undone: [Int] = []
        for row in try await applied(log).reversed() where row.version > target {
            guard let migration = known[row.version], let undoSQL = migration.undoSQL else {
                throw .schema("V\(row.version) has no undo file")
            }
            do {
                try await log.transaction("undoing V\(row.version)") {
                    try await log.script(undoSQL, "undoing V\(row.version)")
                    try await log.execute("DELETE FROM schema_migrations WHERE version = \(row.version)", "undoing V\(row.version)")
                }
            } catch {
                let failure = (error as? TeamLogError) ?? .server(operation: "undoing V\(row.version)", reason: "\(error)")
                // Each step commits on its own: say which ones did, and where the log stands.
                guard !undone.isEmpty, case .server(let operation, let reason) = failure else { throw failure }
                throw .server(
                    operation: "\(operation) (\(undone.map { "V\($0)" }.joined(separator: ", ")) undone and committed before it; "
                        + "the log is at version \(row.version))",
                    reason: reason)
            }
            undone.append(row.version)
        }
        return undone
    }
}
