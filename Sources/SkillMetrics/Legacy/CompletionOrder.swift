/// Recovers the order in which a legacy tracker folded invocations into `skills`.
///
/// The completer ran at `invoked_at + duration_seconds` (naive wall-clock arithmetic, exact to
/// the microsecond); folding finished invocations in that order, ties by list position,
/// reproduces the file's aggregates. Pending crackerjack entries are placed at their start
/// instant (they are never projected). session-buddy files are folded in list order: they
/// carry no durations for abandoned calls, and session-buddy's own metrics walk the list.
public struct CompletionOrder: Sendable {
    /// Positions in the `invocations` list, in append order.
    public let positions: [Int]
    /// Groups (of two or more positions) of finished invocations whose completions share an
    /// instant: their true order is ambiguous.
    public let ties: [[Int]]

    public init(_ document: LegacyDocument) {
        guard document.dialect == .crackerjack else {
            positions = Array(document.invocations.indices)
            ties = []
            return
        }
        var keys: [(instant: Int64, position: Int, finished: Bool)] = []
        keys.reserveCapacity(document.invocations.count)
        // By index, reading the fields in place: a copy of each invocation (a dozen strings to
        // retain and release) cost more than parsing its timestamp.
        let invocations = document.invocations
        for position in invocations.indices {
            let start = LocalDateTime.parse(invocations[position].invokedAt)?.microsecondsAsUTC ?? 0
            var instant = start
            if let duration = invocations[position].durationSeconds {
                let micros = (duration * 1_000_000).rounded()
                if micros.magnitude < 1e15 { instant = start &+ Int64(micros) }
            }
            keys.append((instant, position, !invocations[position].isPending(in: .crackerjack)))
        }
        keys.sort { $0.instant != $1.instant ? $0.instant < $1.instant : $0.position < $1.position }
        positions = keys.map(\.position)
        var groups: [[Int]] = []
        var index = 0
        while index < keys.count {
            var end = index + 1
            while end < keys.count && keys[end].instant == keys[index].instant { end += 1 }
            if end - index > 1 {
                let finished = keys[index..<end].filter(\.finished).map(\.position)
                if finished.count > 1 { groups.append(finished) }
            }
            index = end
        }
        ties = groups
    }
}
