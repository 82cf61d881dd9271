/// What `audit verify` found.
public struct AuditChainReport: Sendable, Equatable {
    /// Checkpoints checked (recorded ones, plus an expected digest when one was given).
    public var checkpoints: Int
    /// The highest seq covered by a checkpoint (0 when there is none).
    public var coveredThrough: Int64
    /// Events in the log at or before ``coveredThrough``.
    public var eventsChecked: Int
    /// Every finding, in seq order; empty when the log matches every checkpoint.
    public var problems: [AuditChainProblem]

    /// The first seq that differs, if any.
    public var firstDifferentSeq: Int64? { problems.map(\.seq).min() }

    /// True when nothing differs.
    public var isIntact: Bool { firstDifferentSeq == nil }
}
