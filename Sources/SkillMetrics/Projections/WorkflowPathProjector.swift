/// Folds events, in seq order, into `skill_workflow_path` rows (the search table's content),
/// with the rules of its V2 trigger: one row per (skill, path or `""`) of finished events.
public struct WorkflowPathProjector: Sendable {
    private struct Key: Hashable, Sendable {
        var skill: Int
        var workflowPath: Int
    }

    /// The texts the folded events carried (shared with the other projectors of a ``ProjectionSet``).
    var vocabulary = FoldVocabulary()
    /// The rows in order of first appearance (by id), and each key's position among them.
    public private(set) var rows: [WorkflowPathRow] = []
    private var positions: [Key: Int] = [:]

    public init() {}

    public mutating func apply(_ event: ProjectionEvent) {
        guard event.finished else { return }
        let interned = vocabulary.intern(event)
        apply(interned, vocabulary)
    }

    /// Folds one event whose texts are ids of `names` (the vocabulary they were interned in).
    mutating func apply(_ event: InternedEvent, _ names: FoldVocabulary) {
        guard event.finished else { return }
        // A NULL path is the `""` pair.
        let key = Key(skill: event.skill, workflowPath: max(event.workflowPath, FoldVocabulary.empty))
        // The trigger adds `0.0 + duration` (or 0.0) per event, starting from the first.
        let duration = event.completed ? (event.durationSeconds ?? 0.0) : 0.0
        if let position = positions[key] {
            rows[position].invocationCount += 1
            rows[position].completedCount += event.completed ? 1 : 0
            rows[position].totalDurationSeconds += 0.0 + duration
        } else {
            positions[key] = rows.count
            rows.append(WorkflowPathRow(
                id: event.seq, skillName: names[event.skill], workflowPath: names[key.workflowPath],
                invocationCount: 1, completedCount: event.completed ? 1 : 0,
                totalDurationSeconds: 0.0 + duration))
        }
    }
}
