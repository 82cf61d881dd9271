/// Folds events, in seq order, into `session_skill` rows: one per (session id, skill) pair
/// of finished events that carry a session id.
public struct SessionSkillProjector: Sendable {
    private struct Key: Hashable, Sendable {
        var session: Int
        var skill: Int
    }

    /// The texts the folded events carried (shared with the other projectors of a ``ProjectionSet``).
    var vocabulary = FoldVocabulary()
    /// The rows in order of first appearance, and each key's position among them.
    public private(set) var rows: [SessionSkillRow] = []
    private var positions: [Key: Int] = [:]

    public init() {}

    public mutating func apply(_ event: ProjectionEvent) {
        guard event.finished, event.sessionID != nil else { return }
        let interned = vocabulary.intern(event)
        apply(interned, vocabulary)
    }

    /// Folds one event whose texts are ids of `names` (the vocabulary they were interned in).
    mutating func apply(_ event: InternedEvent, _ names: FoldVocabulary) {
        guard event.finished, event.session >= 0 else { return }
        let key = Key(session: event.session, skill: event.skill)
        // One hash of the key (two integers) per event; the row is updated in place.
        if let position = positions[key] {
            rows[position].add(event)
        } else {
            positions[key] = rows.count
            rows.append(SessionSkillRow(
                sessionID: names[event.session], skillName: names[event.skill], invocationCount: 1,
                firstInvokedAt: event.invokedAt, lastInvokedAt: event.invokedAt,
                totalDurationSeconds: 0.0 + (event.durationSeconds ?? 0.0),
                firstSeq: event.seq, lastSeq: event.seq))
        }
    }
}

extension SessionSkillRow {
    /// Folds one more event of the row's (session, skill) pair.
    fileprivate mutating func add(_ event: InternedEvent) {
        invocationCount += 1
        lastInvokedAt = event.invokedAt
        lastSeq = event.seq
        if let duration = event.durationSeconds {
            totalDurationSeconds += duration
        }
    }
}
