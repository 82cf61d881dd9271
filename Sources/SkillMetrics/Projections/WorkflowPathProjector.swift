/// Folds events, in seq order, into `skill_workflow_path` rows (the search table's content),
/// with the rules of its V2 trigger: one row per (skill, path or `""`) of finished events.
public struct WorkflowPathProjector: Sendable {
    private struct Key: Hashable, Sendable {
        var skillName: String
        var workflowPath: String
    }

    private var rowsByKey: [Key: WorkflowPathRow] = [:]
    private var order: [Key] = []

    public init() {}

    public mutating func apply(_ event: ProjectionEvent) {
        guard event.finished else { return }
        let key = Key(skillName: event.skillName, workflowPath: event.workflowPath ?? "")
        // The trigger adds `0.0 + duration` (or 0.0) per event, starting from the first.
        let duration = event.completed ? (event.durationSeconds ?? 0.0) : 0.0
        if let index = rowsByKey.index(forKey: key) {
            rowsByKey.values[index].invocationCount += 1
            rowsByKey.values[index].completedCount += event.completed ? 1 : 0
            rowsByKey.values[index].totalDurationSeconds += 0.0 + duration
        } else {
            order.append(key)
            rowsByKey[key] = WorkflowPathRow(
                id: event.seq, skillName: key.skillName, workflowPath: key.workflowPath,
                invocationCount: 1, completedCount: event.completed ? 1 : 0,
                totalDurationSeconds: 0.0 + duration)
        }
    }

    /// The rows in order of first appearance (by id).
    public var rows: [WorkflowPathRow] {
        order.compactMap { rowsByKey[$0] }
    }
}
