/// A recorded point of the hash chain: the digest of every event up to ``seq``.
///
/// Print it and keep it somewhere the database's users cannot write (a ticket, a log
/// collector): `audit verify --seq N --digest HEX` then proves the log still matches it even
/// if someone also rewrote the audit tables.
public struct AuditChainCheckpoint: Sendable, Equatable {
    /// The last event seq the digest covers (0 for the empty log).
    public var seq: Int64
    /// Lower-case hex SHA-256 chain value through ``seq``.
    public var digest: String
    /// Number of events covered.
    public var eventCount: Int
    /// When the checkpoint was recorded (UTC).
    public var createdAt: String
    /// False when the log had no new event and the latest checkpoint was returned instead.
    public var isNew: Bool

    public init(seq: Int64, digest: String, eventCount: Int, createdAt: String, isNew: Bool) {
        self.seq = seq
        self.digest = digest
        self.eventCount = eventCount
        self.createdAt = createdAt
        self.isNew = isNew
    }
}
