/// Folds events, in seq order, into `skill_workflow_path` rows (the search table, schema V2),
/// with the rules of its V2 trigger: one row per (skill, path or `""`) of finished events.
public struct WorkflowPathProjector: Sendable {
    private struct Key: Hashable, Sendable {
        var skill: Int
        var workflowPath: Int
    }

    /// A row as the fold keeps it: its texts are ids of ``vocabulary``.
    private struct Entry: Sendable {
        var key: Key
        var firstSeq: Int64
        var invocationCount: Int
        var completedCount: Int
        var totalDurationSeconds: Double
    }

    /// The texts the folded events carried (shared with the other projectors of a ``ProjectionSet``).
    var vocabulary = FoldVocabulary()
    /// The rows in order of first appearance (by id), and each key's position among them.
    private var entries: [Entry] = []
    private var positions: [Key: Int] = [:]

    public init() {}

    /// The rows in order of first appearance (by id).
    public var rows: [WorkflowPathRow] {
        entries.map { entry in
            WorkflowPathRow(
                id: entry.firstSeq, skillName: vocabulary[entry.key.skill],
                workflowPath: vocabulary[entry.key.workflowPath], invocationCount: entry.invocationCount,
                completedCount: entry.completedCount, totalDurationSeconds: entry.totalDurationSeconds)
        }
    }

    public mutating func apply(_ event: ProjectionEvent) {
        guard event.finished else { return }
        let interned = vocabulary.intern(event)
        apply(interned)
    }

    /// Folds one event whose texts are ids of the vocabulary the rows will be read with.
    mutating func apply(_ event: InternedEvent) {
        guard event.finished else { return }
        // A NULL path is the `""` pair.
        let key = Key(skill: event.skill, workflowPath: max(event.workflowPath, FoldVocabulary.empty))
        // The trigger adds `0.0 + duration` (or 0.0) per event, starting from the first.
        let duration = event.completed ? (event.durationSeconds ?? 0.0) : 0.0
        if let position = positions[key] {
            entries[position].invocationCount += 1
            entries[position].completedCount += event.completed ? 1 : 0
            entries[position].totalDurationSeconds += 0.0 + duration
        } else {
            positions[key] = entries.count
            entries.append(Entry(
                key: key, firstSeq: event.seq, invocationCount: 1, completedCount: event.completed ? 1 : 0,
                totalDurationSeconds: 0.0 + duration))
        }
    }
}
