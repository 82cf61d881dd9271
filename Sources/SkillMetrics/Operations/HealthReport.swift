/// The state of a database, for `health`.
public struct HealthReport: Sendable, Equatable {
    public var path: String
    /// Size of the database file in bytes.
    public var fileBytes: Int64
    /// Size of its write-ahead log in bytes (0 when there is none).
    public var walBytes: Int64
    /// Applied schema version, and the newest this build knows.
    public var schemaVersion: Int
    public var latestSchemaVersion: Int
    /// Problems with the migration history (changed or missing files …).
    public var migrationProblems: [String]
    /// Events in the log and skills in the projection.
    public var events: Int
    public var skills: Int
    /// The last event: seq, `invoked_at` and when it was recorded (nil when empty).
    public var lastSeq: Int64?
    public var lastInvokedAt: String?
    public var lastRecordedAt: String?
    /// `PRAGMA integrity_check` output (`["ok"]` when intact).
    public var integrity: [String]
    /// Differences between stored and recomputed projections (0: in step).
    public var projectionDifferences: Int
    /// Latest audit checkpoint seq, and `audit verify`'s findings.
    public var lastCheckpointSeq: Int64?
    public var auditProblems: [String]
    /// Objects whose definition differs from what the file's migrations create (a dropped
    /// trigger or index, …): ``SkillMetricsStore/schemaDifferences`` of the store checked.
    public var schemaDifferences: [String] = []
    /// Why the projections could not be compared with the log, when the schema differs so
    /// that they cannot be read (a dropped view, say); nil when they were compared.
    public var projectionError: String? = nil

    public var integrityOK: Bool { integrity == ["ok"] }
    public var projectionsInStep: Bool { projectionDifferences == 0 && projectionError == nil }
    /// True when every check passed.
    public var isHealthy: Bool {
        integrityOK && projectionsInStep && auditProblems.isEmpty && migrationProblems.isEmpty
            && schemaDifferences.isEmpty
    }
}
