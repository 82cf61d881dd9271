import GRDB

/// Folds events, in seq order, into `skill_metrics` rows (the legacy tracker's rules, events in completion order; see docs/architecture.md).
///
/// This is the Swift half of the projection semantics; the SQL triggers in
/// `V1__initial_schema.sql` are the other, written independently. Memory grows with the
/// number of skills and distinct keys, never with the number of events.
public struct SkillMetricsProjector: Sendable {
    fileprivate struct State: Sendable {
        /// The skill's id in the vocabulary.
        var skill: Int
        var total = 0
        var completed = 0
        var abandoned = 0
        var totalDuration = 0.0
        /// The dictionaries, keyed by text id, in order of first appearance.
        var workflowPaths = IDCounts()
        var commonErrors = IDCounts()
        var followUpActions = IDCounts()
        var firstInvoked: EventTime
        var lastInvoked: EventTime
        var firstSeq: Int64
        var lastSeq: Int64
        /// Completed events with a non-null duration (the percentiles' n, schema V2).
        var durationCount = 0
        /// Durations changed since the percentiles were last computed.
        var percentilesStale = false
        /// Percentiles, as of the last ``computePercentiles(_:through:names:)``.
        var percentiles: DurationPercentiles?
        /// Where each key of the dictionaries first appeared (schema V5's `skill_key_count`),
        /// aligned with the dictionaries' entries: seq, and the position in the follow-up list.
        var pathFirstSeqs: [Int64] = []
        var errorFirstSeqs: [Int64] = []
        var actionFirsts: [(seq: Int64, index: Int)] = []
    }

    /// The texts the folded events carried (shared with the other projectors of a ``ProjectionSet``).
    var vocabulary = FoldVocabulary()
    /// One state per skill, in order of first appearance.
    private var states: [State] = []
    /// For each text id, the index of its skill's state (-1: not a skill seen yet).
    private var stateIndex: [Int] = []

    public init() {}

    /// Folds one event. Unfinished events (legacy invocations that never completed) are ignored.
    public mutating func apply(_ event: ProjectionEvent) {
        guard event.finished else { return }
        let interned = vocabulary.intern(event)
        apply(interned)
    }

    /// Folds one event whose texts are ids of the vocabulary its rows will be read with.
    mutating func apply(_ event: InternedEvent) {
        guard event.finished else { return }
        if event.skill < stateIndex.count, stateIndex[event.skill] >= 0 {
            states[stateIndex[event.skill]].fold(event)
            return
        }
        if event.skill >= stateIndex.count {
            stateIndex.append(contentsOf: repeatElement(-1, count: Swift.max(event.skill + 1, 2 * stateIndex.count) - stateIndex.count))
        }
        stateIndex[event.skill] = states.count
        var state = State(
            skill: event.skill, firstInvoked: event.invokedAt, lastInvoked: event.invokedAt,
            firstSeq: event.seq, lastSeq: event.seq)
        state.fold(event)
        states.append(state)
    }

    /// Computes the percentiles of the skills whose durations changed, from the durations of
    /// the events with `seq <= through` (schema V2's partial index, read in ascending order
    /// and streamed: memory stays bounded by the number of skills, not events).
    ///
    /// Folding keeps counts only; call this after the fold, with the last seq folded.
    mutating func computePercentiles(_ db: Database, through: Int64, names: FoldVocabulary) throws {
        for index in states.indices where states[index].percentilesStale {
            let name = names[states[index].skill]
            let count = states[index].durationCount
            var selector = PercentileSelector(count: count)
            let statement = try db.cachedStatement(sql: """
                SELECT duration_seconds FROM skill_invocation INDEXED BY idx_skill_invocation_durations
                WHERE skill_name = ? AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                  AND seq <= ?
                ORDER BY duration_seconds
                """)
            try statement.setArguments([name, through])
            let found = try selector.offerAll(statement, db: db)
            guard found == count else {
                throw SkillMetricsError.invalidInput(
                    location: "skill_invocation, skill \(JSONWriter.quoted(name))",
                    reason: "the duration index holds \(found) values up to seq \(through), the fold counted \(count)")
            }
            states[index].percentiles = selector.result
            states[index].percentilesStale = false
        }
    }

    /// The `skill_key_count` rows (schema V5): per skill in order of first appearance, its
    /// workflow paths, errors and follow-up actions, each in order of first appearance.
    public var keyCountRows: [SkillKeyCountRow] { keyCountRows(includingPaths: true) }

    /// ``keyCountRows``, without the `workflow_paths` rows when `includingPaths` is false (the
    /// count rows of schema V11 and later, whose view reads the paths from `skill_workflow_path`).
    func keyCountRows(includingPaths: Bool) -> [SkillKeyCountRow] {
        keyCountEntries(includingPaths: includingPaths).map { entry in
            SkillKeyCountRow(
                skillName: vocabulary[entry.skill], field: entry.field, key: vocabulary[entry.key], count: entry.count,
                firstSeq: entry.firstSeq, firstIndex: entry.firstIndex)
        }
    }

    /// A count row as vocabulary ids (no string is made): for comparing with stored rows.
    struct KeyCountEntry {
        var skill: Int
        var field: SkillKeyCountRow.Field
        var key: Int
        var count: Int
        var firstSeq: Int64
        var firstIndex: Int
    }

    /// ``keyCountRows(includingPaths:)`` as ids, in the same order.
    func keyCountEntries(includingPaths: Bool) -> [KeyCountEntry] {
        var result: [KeyCountEntry] = []
        for state in states {
            if includingPaths {
                for (entry, seq) in zip(state.workflowPaths.entries, state.pathFirstSeqs) {
                    result.append(KeyCountEntry(
                        skill: state.skill, field: .workflowPaths, key: entry.id, count: entry.count, firstSeq: seq,
                        firstIndex: 0))
                }
            }
            for (entry, seq) in zip(state.commonErrors.entries, state.errorFirstSeqs) {
                result.append(KeyCountEntry(
                    skill: state.skill, field: .commonErrors, key: entry.id, count: entry.count, firstSeq: seq, firstIndex: 0))
            }
            for (entry, first) in zip(state.followUpActions.entries, state.actionFirsts) {
                result.append(KeyCountEntry(
                    skill: state.skill, field: .followUpActions, key: entry.id, count: entry.count,
                    firstSeq: first.seq, firstIndex: first.index))
            }
        }
        return result
    }

    /// The projection rows, in order of first appearance.
    public var rows: [SkillMetricsRow] { rows(withCounts: true) }

    /// The number of skills (of ``rows``).
    public var skillCount: Int { states.count }

    /// ``rows`` with the count dictionaries left empty: what `skill_totals` stores (schema V5
    /// keeps the dictionaries as ``keyCountRows``), without building them.
    var totalsRows: [SkillMetricsRow] { rows(withCounts: false) }

    private func rows(withCounts: Bool) -> [SkillMetricsRow] {
        states.map { state in
            SkillMetricsRow(
                skillName: vocabulary[state.skill],
                totalInvocations: state.total,
                completedInvocations: state.completed,
                abandonedInvocations: state.abandoned,
                totalDurationSeconds: state.totalDuration,
                workflowPaths: withCounts ? state.workflowPaths.orderedCounts(vocabulary) : OrderedCounts(),
                commonErrors: withCounts ? state.commonErrors.orderedCounts(vocabulary) : OrderedCounts(),
                followUpActions: withCounts ? state.followUpActions.orderedCounts(vocabulary) : OrderedCounts(),
                firstInvoked: vocabulary[state.firstInvoked],
                lastInvoked: vocabulary[state.lastInvoked],
                completionRate: state.total == 0 ? 0.0 : Double(state.completed) / Double(state.total) * 100,
                avgDurationSeconds: state.completed == 0 ? 0.0 : state.totalDuration / Double(state.completed),
                firstSeq: state.firstSeq,
                lastSeq: state.lastSeq,
                durationCount: state.durationCount,
                percentiles: state.percentiles)
        }
    }
}

extension SkillMetricsProjector.State {
    mutating func fold(_ event: InternedEvent) {
        total += 1
        if event.completed {
            completed += 1
            if event.durationSeconds != nil {
                durationCount += 1
                percentilesStale = true
            }
            if let duration = event.durationSeconds, duration != 0 {
                totalDuration += duration
            }
        } else {
            abandoned += 1
        }
        if event.workflowPath > FoldVocabulary.empty {
            if workflowPaths.add(event.workflowPath) { pathFirstSeqs.append(event.seq) }
        }
        if event.errorType > FoldVocabulary.empty {
            if commonErrors.add(event.errorType) { errorFirstSeqs.append(event.seq) }
        }
        for (index, action) in event.followUpActions.enumerated() where followUpActions.add(action) {
            actionFirsts.append((event.seq, index))
        }
        lastInvoked = event.invokedAt
        lastSeq = event.seq
    }
}

/// A `{key: count}` dictionary over text ids, keys in order of first appearance (the fold's
/// form of ``OrderedCounts``).
struct IDCounts: Sendable {
    private(set) var entries: [(id: Int, count: Int)] = []
    private var positions: [Int: Int] = [:]

    /// Adds one to `id`; true when the key is new.
    mutating func add(_ id: Int) -> Bool {
        if let position = positions[id] {
            entries[position].count += 1
            return false
        }
        positions[id] = entries.count
        entries.append((id, 1))
        return true
    }

    func orderedCounts(_ vocabulary: FoldVocabulary) -> OrderedCounts {
        OrderedCounts(entries.map { (vocabulary[$0.id], $0.count) })
    }
}
