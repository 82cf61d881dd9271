import GRDB

/// Folds events, in seq order, into `skill_metrics` rows (the legacy tracker's rules, events in completion order; see docs/architecture.md).
///
/// This is the Swift half of the projection semantics; the SQL triggers in
/// `V1__initial_schema.sql` are the other, written independently. Memory grows with the
/// number of skills and distinct keys, never with the number of events.
public struct SkillMetricsProjector: Sendable {
    fileprivate struct State: Sendable {
        var total = 0
        var completed = 0
        var abandoned = 0
        var totalDuration = 0.0
        var workflowPaths = OrderedCounts()
        var commonErrors = OrderedCounts()
        var followUpActions = OrderedCounts()
        var firstInvoked: String
        var lastInvoked: String
        var firstSeq: Int64
        var lastSeq: Int64
        /// Completed events with a non-null duration (the percentiles' n, schema V2).
        var durationCount = 0
        /// Durations changed since the percentiles were last computed.
        var percentilesStale = false
        /// Where each key of the dictionaries first appeared (schema V5's `skill_key_count`),
        /// aligned with the dictionaries' entries: seq, and the position in the follow-up list.
        var pathFirstSeqs: [Int64] = []
        var errorFirstSeqs: [Int64] = []
        var actionFirsts: [(seq: Int64, index: Int)] = []
    }

    private var states: [String: State] = [:]
    /// Skill names in order of first appearance.
    private var order: [String] = []
    /// Percentiles per skill, as of the last ``computePercentiles(_:through:)``.
    private var percentiles: [String: DurationPercentiles] = [:]

    public init() {}

    /// Folds one event. Unfinished events (legacy invocations that never completed) are ignored.
    public mutating func apply(_ event: ProjectionEvent) {
        guard event.finished else { return }
        // One hash of the skill name per event; folded in place (no copy of the count dictionaries).
        if let index = states.index(forKey: event.skillName) {
            states.values[index].fold(event)
            return
        }
        order.append(event.skillName)
        var state = State(
            firstInvoked: event.invokedAt, lastInvoked: event.invokedAt,
            firstSeq: event.seq, lastSeq: event.seq)
        state.fold(event)
        states[event.skillName] = state
    }

    /// Computes the percentiles of the skills whose durations changed, from the durations of
    /// the events with `seq <= through` (schema V2's partial index, read in ascending order
    /// and streamed: memory stays bounded by the number of skills, not events).
    ///
    /// Folding keeps counts only; call this after the fold, with the last seq folded.
    mutating func computePercentiles(_ db: Database, through: Int64) throws {
        for stateIndex in states.indices where states.values[stateIndex].percentilesStale {
            let name = states.keys[stateIndex]
            let state = states.values[stateIndex]
            var selector = PercentileSelector(count: state.durationCount)
            let cursor = try Double.fetchCursor(db, sql: """
                SELECT duration_seconds FROM skill_invocation INDEXED BY idx_skill_invocation_durations
                WHERE skill_name = ? AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                  AND seq <= ?
                ORDER BY duration_seconds
                """, arguments: [name, through])
            var index = 0
            while let value = try cursor.next() {
                guard index < state.durationCount else { break }
                selector.offer(value, at: index)
                index += 1
            }
            guard index == state.durationCount else {
                throw SkillMetricsError.invalidInput(
                    location: "skill_invocation, skill \(JSONWriter.quoted(name))",
                    reason: "the duration index holds \(index) values up to seq \(through), the fold counted \(state.durationCount)")
            }
            percentiles[name] = selector.result
            states.values[stateIndex].percentilesStale = false
        }
    }

    /// The `skill_key_count` rows (schema V5): per skill in order of first appearance, its
    /// workflow paths, errors and follow-up actions, each in order of first appearance.
    public var keyCountRows: [SkillKeyCountRow] {
        var result: [SkillKeyCountRow] = []
        for name in order {
            guard let state = states[name] else { continue }
            for (entry, seq) in zip(state.workflowPaths.entries, state.pathFirstSeqs) {
                result.append(SkillKeyCountRow(
                    skillName: name, field: .workflowPaths, key: entry.key, count: entry.count,
                    firstSeq: seq, firstIndex: 0))
            }
            for (entry, seq) in zip(state.commonErrors.entries, state.errorFirstSeqs) {
                result.append(SkillKeyCountRow(
                    skillName: name, field: .commonErrors, key: entry.key, count: entry.count,
                    firstSeq: seq, firstIndex: 0))
            }
            for (entry, first) in zip(state.followUpActions.entries, state.actionFirsts) {
                result.append(SkillKeyCountRow(
                    skillName: name, field: .followUpActions, key: entry.key, count: entry.count,
                    firstSeq: first.seq, firstIndex: first.index))
            }
        }
        return result
    }

    /// The projection rows, in order of first appearance.
    public var rows: [SkillMetricsRow] {
        order.compactMap { name in
            guard let state = states[name] else { return nil }
            return SkillMetricsRow(
                skillName: name,
                totalInvocations: state.total,
                completedInvocations: state.completed,
                abandonedInvocations: state.abandoned,
                totalDurationSeconds: state.totalDuration,
                workflowPaths: state.workflowPaths,
                commonErrors: state.commonErrors,
                followUpActions: state.followUpActions,
                firstInvoked: state.firstInvoked,
                lastInvoked: state.lastInvoked,
                completionRate: state.total == 0 ? 0.0 : Double(state.completed) / Double(state.total) * 100,
                avgDurationSeconds: state.completed == 0 ? 0.0 : state.totalDuration / Double(state.completed),
                firstSeq: state.firstSeq,
                lastSeq: state.lastSeq,
                durationCount: state.durationCount,
                percentiles: percentiles[name])
        }
    }
}

extension SkillMetricsProjector.State {
    mutating func fold(_ event: ProjectionEvent) {
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
        if let path = event.workflowPath, !path.isEmpty {
            workflowPaths.add(path)
            if workflowPaths.entries.count > pathFirstSeqs.count { pathFirstSeqs.append(event.seq) }
        }
        if let error = event.errorType, !error.isEmpty {
            commonErrors.add(error)
            if commonErrors.entries.count > errorFirstSeqs.count { errorFirstSeqs.append(event.seq) }
        }
        for (index, action) in event.followUpActions.enumerated() {
            followUpActions.add(action)
            if followUpActions.entries.count > actionFirsts.count { actionFirsts.append((event.seq, index)) }
        }
        lastInvoked = event.invokedAt
        lastSeq = event.seq
    }
}
