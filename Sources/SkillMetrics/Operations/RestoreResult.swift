/// What a restore put in place.
public struct RestoreResult: Sendable, Equatable {
    /// The database that was replaced (or created).
    public var path: String
    /// The backup it came from.
    public var source: String
    /// Events in the restored database.
    public var events: Int
    /// Its last seq (0 when empty).
    public var lastSeq: Int64
    /// Its schema version.
    public var schemaVersion: Int
}
