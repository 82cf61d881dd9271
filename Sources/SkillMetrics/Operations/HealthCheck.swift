import GRDB

/// One look at the state of a database (`health`): size, counts, schema, last event,
/// integrity, projections and audit state.
///
/// Read-only: runs `PRAGMA integrity_check`, verify and ``Auditor/verify(expected:)`` (each
/// reads the whole database).
public struct HealthCheck: Sendable {
    /// The store to look at.
    public let store: SkillMetricsStore

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// Runs every check and returns what it found.
    public func run() throws -> HealthReport {
        let fileBytes = BackupService.fileSize(store.path)
        let walBytes = BackupService.fileSize(store.path + "-wal")
        let problems = try store.migrationProblems().map(\.description)
        // With schema findings the projections may not be readable at all (a dropped view):
        // that is a finding of its own, not a failure of the health check.
        var projectionError: String?
        var projectionDifferences = 0
        do {
            projectionDifferences = try store.verify().differences.count
        } catch where !store.schemaDifferences.isEmpty {
            projectionError = "\(error)"
        }
        let audit = try Auditor(store: store).verify()
        return try store.read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            let events = try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") ?? 0
            let skills = projectionError == nil ? try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_metrics") ?? 0 : 0
            let last = try Row.fetchOne(db, sql: """
                SELECT seq, invoked_at, recorded_at FROM skill_invocation ORDER BY seq DESC LIMIT 1
                """)
            let checkpoint = try db.tableExists("audit_checkpoint")
                ? try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit_checkpoint") : nil
            return HealthReport(
                path: store.path, fileBytes: fileBytes, walBytes: walBytes,
                schemaVersion: try store.migrationRunner.currentVersion(db),
                latestSchemaVersion: store.migrationRunner.latestVersion,
                migrationProblems: problems, events: events, skills: skills,
                lastSeq: try last.flatMap { try $0.decode(Int64?.self, atIndex: 0) },
                lastInvokedAt: try last.flatMap { try Self.text($0, atIndex: 1) },
                lastRecordedAt: try last.flatMap { try Self.text($0, atIndex: 2) },
                integrity: integrity, projectionDifferences: projectionDifferences,
                lastCheckpointSeq: checkpoint, auditProblems: audit.problems.map(\.description),
                schemaDifferences: store.schemaDifferences.map(\.description), projectionError: projectionError)
        }
    }

    /// A column shown as text whatever its storage class (NULL stays nil).
    static func text(_ row: Row, atIndex index: Int) throws -> String? {
        switch try row.decode(DatabaseValue.self, atIndex: index).storage {
        case .null: nil
        case .int64(let integer): String(integer)
        case .double(let real): String(real)
        case .string(let text): text
        case .blob(let data): String(decoding: data, as: UTF8.self)
        }
    }
}
