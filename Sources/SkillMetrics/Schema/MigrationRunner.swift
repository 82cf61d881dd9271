import Foundation
import GRDB
import GRDBSQLite

/// Applies and undoes schema migrations, one transaction each, with bookkeeping in
/// `schema_migrations`.
///
/// A migration's SQL and its `schema_migrations` row commit together: a failing migration
/// leaves the database exactly as it was. The runner refuses to run while ``validate(_:)``
/// reports a problem (a changed file, a missing file, an out-of-order version).
public struct MigrationRunner: Sendable {
    /// The known migrations, in version order.
    public let migrations: [Migration]

    public init(source: MigrationSource = .embedded) throws(SkillMetricsError) {
        self.migrations = try source.load()
    }

    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// The highest known version.
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// One row of `schema_migrations`.
    public struct AppliedMigration: Sendable, Equatable {
        public var version: Int
        public var description: String
        public var checksum: String
        public var appliedAt: String
        public var executionMilliseconds: Int
    }

    /// The state of one version, for `migrate status`.
    public struct VersionStatus: Sendable, Equatable {
        public enum State: String, Sendable {
            case applied, pending, changed, missingFile = "missing-file", unknown
        }
        public var version: Int
        public var description: String
        public var state: State
        public var checksum: String
        public var appliedAt: String?
        public var file: String?
    }

    static let bookkeepingSQL = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version           INTEGER PRIMARY KEY,
            description       TEXT    NOT NULL,
            checksum          TEXT    NOT NULL,
            applied_at        TEXT    NOT NULL,
            execution_time_ms INTEGER NOT NULL DEFAULT 0
        )
        """

    /// The rows of `schema_migrations` (empty when the table does not exist yet).
    public func applied(_ db: Database) throws -> [AppliedMigration] {
        guard try db.tableExists("schema_migrations") else { return [] }
        return try Row.fetchAll(db, sql: """
            SELECT version, description, checksum, applied_at, execution_time_ms
            FROM schema_migrations ORDER BY version
            """).map { row in
            let stored = StoredRow(row, table: "schema_migrations")
            let version: Int = try stored.decode(atIndex: 0)
            let keyed = stored.identified(by: "version \(version)")
            return AppliedMigration(
                version: version, description: try keyed.decode(atIndex: 1), checksum: try keyed.decode(atIndex: 2),
                appliedAt: try keyed.decode(atIndex: 3), executionMilliseconds: try keyed.decodeIfPresent(atIndex: 4) ?? 0)
        }
    }

    /// The current schema version (0 for an empty database).
    public func currentVersion(_ db: Database) throws -> Int {
        try applied(db).last?.version ?? 0
    }

    /// Every problem with the applied history against the known files.
    public func validate(_ db: Database) throws -> [MigrationProblem] {
        let appliedRows = try applied(db)
        var problems: [MigrationProblem] = []
        let byVersion = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for row in appliedRows {
            if let migration = byVersion[row.version] {
                if migration.checksum != row.checksum {
                    problems.append(.checksumMismatch(
                        version: row.version, file: migration.fileName,
                        applied: row.checksum, current: migration.checksum))
                }
            } else if row.version > latestVersion {
                problems.append(.unknownVersion(version: row.version, description: row.description))
            } else {
                problems.append(.missingFile(version: row.version, description: row.description))
            }
        }
        let latestApplied = appliedRows.last?.version ?? 0
        let appliedSet = Set(appliedRows.map(\.version))
        for migration in migrations where !appliedSet.contains(migration.version) && migration.version < latestApplied {
            problems.append(.outOfOrder(version: migration.version, file: migration.fileName, latestApplied: latestApplied))
        }
        return problems
    }

    /// Every known and applied version with its state.
    public func status(_ db: Database) throws -> [VersionStatus] {
        let appliedRows = Dictionary(uniqueKeysWithValues: try applied(db).map { ($0.version, $0) })
        var result: [VersionStatus] = []
        for migration in migrations {
            if let row = appliedRows[migration.version] {
                result.append(VersionStatus(
                    version: migration.version, description: migration.description,
                    state: row.checksum == migration.checksum ? .applied : .changed,
                    checksum: row.checksum, appliedAt: row.appliedAt, file: migration.fileName))
            } else {
                result.append(VersionStatus(
                    version: migration.version, description: migration.description, state: .pending,
                    checksum: migration.checksum, appliedAt: nil, file: migration.fileName))
            }
        }
        let known = Set(migrations.map(\.version))
        for row in appliedRows.values.sorted(by: { $0.version < $1.version }) where !known.contains(row.version) {
            result.append(VersionStatus(
                version: row.version, description: row.description,
                state: row.version > latestVersion ? .unknown : .missingFile,
                checksum: row.checksum, appliedAt: row.appliedAt, file: nil))
        }
        return result.sorted { $0.version < $1.version }
    }

    /// Applies pending migrations up to `target` (default: all), each in its own IMMEDIATE
    /// transaction. Returns the versions applied. Refuses to start while the history has a
    /// problem; a failing migration is rolled back and reported with its file name.
    @discardableResult
    public func migrate(_ writer: some DatabaseWriter, upTo target: Int? = nil) throws -> [Int] {
        if let target, target != 0, !migrations.contains(where: { $0.version == target }) {
            throw SkillMetricsError.migration(.unknownTarget(target))
        }
        // Temporary storage in files: a statement that drops or rewrites a large table (V9
        // rebuilds the event table) journals the pages it frees for its own rollback, in
        // memory ~330 MB at 1M events.
        return try writer.writeWithoutTransaction { db in try TemporaryStorage.inFiles(db) {
            // A store's writer may still be in the bulk mode of its last batch (triggers off).
            try WriterBulkMode.leave(db)
            var appliedVersions: [Int] = []
            for migration in migrations where migration.version <= (target ?? Int.max) {
                var didApply = false
                try db.inTransaction(.immediate) {
                    try db.execute(sql: Self.bookkeepingSQL)
                    if let problem = try validate(db).first {
                        throw SkillMetricsError.migration(problem)
                    }
                    let isApplied = try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM schema_migrations WHERE version = ?",
                        arguments: [migration.version]) ?? false
                    if isApplied { return .commit }
                    let start = DispatchTime.now().uptimeNanoseconds
                    try Self.execute(migration.sql, version: migration.version, file: migration.fileName, in: db)
                    let elapsed = Int((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
                    try db.execute(sql: """
                        INSERT INTO schema_migrations (version, description, checksum, applied_at, execution_time_ms)
                        VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?)
                        """, arguments: [migration.version, migration.description, migration.checksum, elapsed])
                    didApply = true
                    return .commit
                }
                if didApply { appliedVersions.append(migration.version) }
            }
            return appliedVersions
        } }
    }

    /// Undoes applied migrations above `target`, newest first, each with its `U<n>` file in
    /// its own transaction that also removes the bookkeeping row. Returns the versions undone.
    @discardableResult
    public func undo(_ writer: some DatabaseWriter, to target: Int) throws -> [Int] {
        if target != 0 && !migrations.contains(where: { $0.version == target }) {
            throw SkillMetricsError.migration(.unknownTarget(target))
        }
        return try writer.writeWithoutTransaction { db in try TemporaryStorage.inFiles(db) {
            try WriterBulkMode.leave(db)
            var undone: [Int] = []
            let byVersion = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
            for row in try applied(db).reversed() where row.version > target {
                guard let migration = byVersion[row.version] else {
                    throw SkillMetricsError.migration(.missingFile(version: row.version, description: row.description))
                }
                guard let undoSQL = migration.undoSQL, let undoFile = migration.undoFileName else {
                    throw SkillMetricsError.migration(.noUndoFile(version: row.version))
                }
                try db.inTransaction(.immediate) {
                    if let problem = try validate(db).first {
                        throw SkillMetricsError.migration(problem)
                    }
                    try Self.execute(undoSQL, version: migration.version, file: undoFile, in: db)
                    try db.execute(sql: "DELETE FROM schema_migrations WHERE version = ?", arguments: [row.version])
                    return .commit
                }
                undone.append(row.version)
            }
            return undone
        } }
    }

    /// Runs a migration file's statements one by one inside the runner's transaction. A
    /// statement that would end or nest that transaction (BEGIN, COMMIT, END, ROLLBACK,
    /// SAVEPOINT, RELEASE) is refused before it runs, so a failing migration can never leave
    /// part of its work committed.
    static func execute(_ sql: String, version: Int, file: String, in db: Database) throws {
        do {
            let statements = try db.allStatements(sql: sql)
            while let statement = try statements.next() {
                // The statement's own text: GRDB's `sql` trims it through NSString, which cost
                // a sixth of every command's start (the schema check runs all migrations).
                if let keyword = transactionKeyword(String(cString: sqlite3_sql(statement.sqliteStatement))) {
                    throw SkillMetricsError.migration(.failed(
                        version: version, file: file,
                        message: "contains a \(keyword) statement; a migration runs in the runner's own transaction and must not control it"))
                }
                try statement.execute()
            }
        } catch let error as DatabaseError {
            throw SkillMetricsError.migration(.failed(version: version, file: file, message: error.message ?? "\(error)"))
        }
    }

    /// The transaction-control keyword a statement starts with (after comments), if any.
    static func transactionKeyword(_ sql: String) -> String? {
        var rest = Substring(sql)
        while true {
            rest = rest.drop { $0.isWhitespace }
            if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*") {
                guard let end = rest.range(of: "*/") else { return nil }
                rest = rest[end.upperBound...]
            } else {
                break
            }
        }
        let word = rest.prefix { $0.isLetter }.uppercased()
        return ["BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"].contains(word) ? word : nil
    }
}
