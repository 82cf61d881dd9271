/// Folds events, in seq order, into `skill_metrics` rows (DESIGN.md §3).
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
    }

    private var states: [String: State] = [:]
    /// Skill names in order of first appearance.
    private var order: [String] = []

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
                lastSeq: state.lastSeq)
        }
    }
}

extension SkillMetricsProjector.State {
    mutating func fold(_ event: ProjectionEvent) {
        total += 1
        if event.completed {
            completed += 1
            if let duration = event.durationSeconds, duration != 0 {
                totalDuration += duration
            }
        } else {
            abandoned += 1
        }
        if let path = event.workflowPath, !path.isEmpty {
            workflowPaths.add(path)
        }
        if let error = event.errorType, !error.isEmpty {
            commonErrors.add(error)
        }
        for action in event.followUpActions {
            followUpActions.add(action)
        }
        lastInvoked = event.invokedAt
        lastSeq = event.seq
    }
}
