/// Public construction of `skill_metrics` rows, for projections stored outside SQLite (the
/// PostgreSQL team log's `skill_metrics` view is read into the same rows, so `list`, `show`
/// and `summary` print it with the same code).
extension SkillMetricsRow {
    /// A row from its stored column values.
    public static func stored(
        skillName: String, totalInvocations: Int, completedInvocations: Int, abandonedInvocations: Int,
        totalDurationSeconds: Double, workflowPaths: OrderedCounts, commonErrors: OrderedCounts,
        followUpActions: OrderedCounts, firstInvoked: String, lastInvoked: String,
        completionRate: Double, avgDurationSeconds: Double, firstSeq: Int64, lastSeq: Int64,
        durationCount: Int, percentiles: DurationPercentiles?
    ) -> SkillMetricsRow {
        SkillMetricsRow(
            skillName: skillName, totalInvocations: totalInvocations,
            completedInvocations: completedInvocations, abandonedInvocations: abandonedInvocations,
            totalDurationSeconds: totalDurationSeconds, workflowPaths: workflowPaths,
            commonErrors: commonErrors, followUpActions: followUpActions, firstInvoked: firstInvoked,
            lastInvoked: lastInvoked, completionRate: completionRate,
            avgDurationSeconds: avgDurationSeconds, firstSeq: firstSeq, lastSeq: lastSeq,
            durationCount: durationCount, percentiles: percentiles)
    }
}
