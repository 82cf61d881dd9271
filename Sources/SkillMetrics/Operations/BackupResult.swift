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

    /// The result as ordered JSON.
    public var json: JSONValue {
        .object(JSONObject([
            ("path", .string(path)),
            ("bytes", .int(Int(bytes))),
            ("events", .int(events)),
            ("last_seq", .int(Int(lastSeq))),
            ("removed", .array(removed.map(JSONValue.string))),
        ]))
    }
}
