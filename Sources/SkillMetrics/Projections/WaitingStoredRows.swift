/// The stored `session_skill` rows the fold that lets session rows go has read but not matched yet, in the
/// table's order (``ProjectionSet/foldLettingIdenticalSessionRowsGo(_:progress:twoThreadsAbove:)``).
struct WaitingStoredRows: Sendable {
    private var chunks: [StoredSessionRows] = []
    /// The first unmatched row of `chunks[0]`.
    private var head = 0
    /// Rows waiting.
    private(set) var count = 0

    init() {}

    mutating func append(_ rows: StoredSessionRows) {
        guard rows.count > 0 else { return }
        chunks.append(rows)
        count += rows.count
    }

    /// True, taking the first waiting row, when it holds exactly `entry`'s values; false (and
    /// nothing taken) when no row waits or the first differs.
    mutating func matchFirst(_ entry: SessionSkillProjector.Entry, _ names: FoldVocabulary) -> Bool {
        guard let first = chunks.first, first.matches(head, entry, names) else { return false }
        head += 1
        count -= 1
        if head == first.count {
            chunks.removeFirst()
            head = 0
        }
        return true
    }
}
