/// One finding of `audit verify`. Every case names the seq it concerns.
public enum AuditChainProblem: Sendable, Equatable, CustomStringConvertible {
    /// The event at this seq is not the one that was checkpointed (a field changed, or the
    /// log was renumbered around it).
    case eventChanged(seq: Int64)
    /// An event that was checkpointed is no longer in the log.
    case eventRemoved(seq: Int64)
    /// An event at or before a checkpoint that was not there when the checkpoint was taken.
    case eventInserted(seq: Int64)
    /// The log recomputed up to a checkpoint does not give its digest (events changed, and the
    /// recorded per-event hashes were rewritten to hide which).
    case logDigestMismatch(seq: Int64, recorded: String, recomputed: String)
    /// The checkpoint's digest does not follow from the recorded per-event hashes: the audit
    /// tables were altered.
    case checkpointTableAltered(seq: Int64, reason: String)
    /// A checkpoint covers seqs the log no longer reaches.
    case checkpointBeyondLog(seq: Int64, lastSeq: Int64)
    /// A digest given on the command line (kept outside the database) does not match.
    case expectedDigestMismatch(seq: Int64, expected: String, recomputed: String)

    /// The seq this problem is about.
    public var seq: Int64 {
        switch self {
        case .eventChanged(let seq), .eventRemoved(let seq), .eventInserted(let seq),
             .logDigestMismatch(let seq, _, _), .checkpointTableAltered(let seq, _),
             .checkpointBeyondLog(let seq, _), .expectedDigestMismatch(let seq, _, _):
            return seq
        }
    }

    /// A short machine-readable kind.
    public var kind: String {
        switch self {
        case .eventChanged: "event-changed"
        case .eventRemoved: "event-removed"
        case .eventInserted: "event-inserted"
        case .logDigestMismatch: "log-digest-mismatch"
        case .checkpointTableAltered: "checkpoint-table-altered"
        case .checkpointBeyondLog: "checkpoint-beyond-log"
        case .expectedDigestMismatch: "expected-digest-mismatch"
        }
    }

    public var description: String {
        switch self {
        case .eventChanged(let seq):
            return "seq \(seq): the event differs from the one checkpointed (a field was changed or the log renumbered)"
        case .eventRemoved(let seq):
            return "seq \(seq): the event was checkpointed but is no longer in the log (removed)"
        case .eventInserted(let seq):
            return "seq \(seq): the event was not in the log when the checkpoint covering it was taken (inserted)"
        case .logDigestMismatch(let seq, let recorded, let recomputed):
            return "seq \(seq): the events up to this checkpoint hash to \(recomputed), the checkpoint recorded \(recorded); the per-event hashes were rewritten too, so the changed event cannot be named"
        case .checkpointTableAltered(let seq, let reason):
            return "checkpoint at seq \(seq): \(reason) (the audit tables were altered)"
        case .checkpointBeyondLog(let seq, let lastSeq):
            return "checkpoint at seq \(seq): the log now ends at seq \(lastSeq); events were removed"
        case .expectedDigestMismatch(let seq, let expected, let recomputed):
            return "seq \(seq): the events up to this seq hash to \(recomputed), not the expected \(expected)"
        }
    }
}
