/// What a backup wrote.
public struct BackupResult: Sendable, Equatable {
    /// The backup file (owner-only).
    public var path: String
    /// Its size in bytes.
    public var bytes: Int64
    /// Events in the backup.
    public var events: Int
    /// The last seq in the backup (0 when empty).
    public var lastSeq: Int64
    /// Older backups removed by rotation.
    public var removed: [String]
}
