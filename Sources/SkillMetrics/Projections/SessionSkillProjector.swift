/// Folds events, in seq order, into `session_skill` rows: one per (session id, skill) pair
/// of finished events that carry a session id.
public struct SessionSkillProjector: Sendable {
    private struct Key: Hashable, Sendable {
        var sessionID: String
        var skillName: String
    }

    /// The rows in order of first appearance, and each key's position among them.
    public private(set) var rows: [SessionSkillRow] = []
    private var positions: [Key: Int] = [:]

    public init() {}

    public mutating func apply(_ event: ProjectionEvent) {
        guard event.finished, let sessionID = event.sessionID else { return }
        let key = Key(sessionID: sessionID, skillName: event.skillName)
        // One hash of the key per event; the row is updated in place.
        if let position = positions[key] {
            rows[position].add(event)
        } else {
            positions[key] = rows.count
            rows.append(SessionSkillRow(
                sessionID: sessionID, skillName: event.skillName, invocationCount: 1,
                firstInvokedAt: event.invokedAt, lastInvokedAt: event.invokedAt,
                totalDurationSeconds: 0.0 + (event.durationSeconds ?? 0.0),
                firstSeq: event.seq, lastSeq: event.seq))
        }
    }
}

extension SessionSkillRow {
    /// Folds one more event of the row's (session, skill) pair.
    fileprivate mutating func add(_ event: ProjectionEvent) {
        invocationCount += 1
        lastInvokedAt = event.invokedAt
        lastSeq = event.seq
        if let duration = event.durationSeconds {
            totalDurationSeconds += duration
        }
    }
}
