/// One (skill, workflow path) pair found by ``SkillMetricsQueries/searchWorkflowPaths(_:limit:)``.
public struct WorkflowPathMatch: Sendable, Equatable {
    public var skillName: String
    /// Nil for the skill's invocations without a workflow path.
    public var workflowPath: String?
    /// Finished invocations of the skill with this path.
    public var invocationCount: Int
    public var completedCount: Int
    /// Sum of the durations of its completed invocations / completed count (0.0 when none).
    public var avgDurationSeconds: Double
}
