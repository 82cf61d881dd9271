import GRDB

/// One row of `skill_workflow_path` (schema V2, the search table): a (skill, workflow path)
/// pair of finished events, `""` for events without a path.
public struct WorkflowPathRow: Sendable, Equatable {
    /// Seq of the pair's first event.
    public var id: Int64
    public var skillName: String
    public var workflowPath: String
    public var invocationCount: Int
    public var completedCount: Int
    /// Sum, in seq order, of the non-null durations of the pair's completed events.
    public var totalDurationSeconds: Double

    var databaseValues: [(column: String, value: DatabaseValue)] {
        [
            ("id", id.databaseValue),
            ("skill_name", skillName.databaseValue),
            ("workflow_path", workflowPath.databaseValue),
            ("invocation_count", invocationCount.databaseValue),
            ("completed_count", completedCount.databaseValue),
            ("total_duration_seconds", totalDurationSeconds.databaseValue),
        ]
    }
}
