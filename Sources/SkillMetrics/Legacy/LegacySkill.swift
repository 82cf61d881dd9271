/// One entry of a crackerjack file's `skills` dictionary: the legacy tracker's aggregates.
public struct LegacySkill: Sendable, Equatable {
    /// The dictionary key.
    public var key: String
    /// The `skill_name` field (normally equal to ``key``).
    public var skillName: String
    public var totalInvocations: Int
    public var completedInvocations: Int
    public var abandonedInvocations: Int
    public var totalDurationSeconds: Double
    public var workflowPaths: OrderedCounts
    public var commonErrors: OrderedCounts
    public var followUpActions: OrderedCounts
    /// As written (naive local time for crackerjack); nil when `null`.
    public var firstInvoked: String?
    public var lastInvoked: String?
    public var completionRate: Double
    public var avgDurationSeconds: Double

    public init(
        key: String, skillName: String, totalInvocations: Int, completedInvocations: Int,
        abandonedInvocations: Int, totalDurationSeconds: Double, workflowPaths: OrderedCounts,
        commonErrors: OrderedCounts, followUpActions: OrderedCounts, firstInvoked: String?,
        lastInvoked: String?, completionRate: Double, avgDurationSeconds: Double
    ) {
        self.key = key
        self.skillName = skillName
        self.totalInvocations = totalInvocations
        self.completedInvocations = completedInvocations
        self.abandonedInvocations = abandonedInvocations
        self.totalDurationSeconds = totalDurationSeconds
        self.workflowPaths = workflowPaths
        self.commonErrors = commonErrors
        self.followUpActions = followUpActions
        self.firstInvoked = firstInvoked
        self.lastInvoked = lastInvoked
        self.completionRate = completionRate
        self.avgDurationSeconds = avgDurationSeconds
    }

    /// A projection row under the legacy field names (timestamps as the row holds them).
    public init(_ row: SkillMetricsRow) {
        self.init(
            key: row.skillName, skillName: row.skillName, totalInvocations: row.totalInvocations,
            completedInvocations: row.completedInvocations, abandonedInvocations: row.abandonedInvocations,
            totalDurationSeconds: row.totalDurationSeconds, workflowPaths: row.workflowPaths,
            commonErrors: row.commonErrors, followUpActions: row.followUpActions,
            firstInvoked: row.firstInvoked, lastInvoked: row.lastInvoked,
            completionRate: row.completionRate, avgDurationSeconds: row.avgDurationSeconds)
    }

    /// A new skill entry, as the legacy tracker creates it on a skill's first completion.
    init(newSkill name: String) {
        self.init(
            key: name, skillName: name, totalInvocations: 0, completedInvocations: 0,
            abandonedInvocations: 0, totalDurationSeconds: 0.0, workflowPaths: OrderedCounts(),
            commonErrors: OrderedCounts(), followUpActions: OrderedCounts(), firstInvoked: nil,
            lastInvoked: nil, completionRate: 0.0, avgDurationSeconds: 0.0)
    }

    /// Folds one finished invocation in with the legacy tracker's rules (the projection
    /// rules of `skill_metrics`: counts, the sum of non-zero completed durations, the three
    /// dictionaries in first-appearance order, first and last `invoked_at`, REAL rates).
    mutating func fold(_ invocation: LegacyInvocation) {
        totalInvocations += 1
        if invocation.completed {
            completedInvocations += 1
            if let duration = invocation.durationSeconds, duration != 0 {
                totalDurationSeconds += duration
            }
        } else {
            abandonedInvocations += 1
        }
        if let path = invocation.workflowPath, !path.isEmpty { workflowPaths.add(path) }
        if let error = invocation.errorType, !error.isEmpty { commonErrors.add(error) }
        for action in invocation.followUpActions { followUpActions.add(action) }
        if firstInvoked == nil { firstInvoked = invocation.invokedAt }
        lastInvoked = invocation.invokedAt
        completionRate = Double(completedInvocations) / Double(totalInvocations) * 100
        avgDurationSeconds = completedInvocations == 0 ? 0.0 : totalDurationSeconds / Double(completedInvocations)
    }

    /// The entry as the crackerjack file writes it.
    var jsonValue: JSONValue { .object(jsonObject) }

    /// The entry's fields in the legacy key order.
    var jsonObject: JSONObject {
        var object = JSONObject()
        object.append("skill_name", .string(skillName))
        object.append("total_invocations", .int(totalInvocations))
        object.append("completed_invocations", .int(completedInvocations))
        object.append("abandoned_invocations", .int(abandonedInvocations))
        object.append("total_duration_seconds", .double(totalDurationSeconds))
        object.append("workflow_paths", workflowPaths.jsonValue)
        object.append("common_errors", commonErrors.jsonValue)
        object.append("follow_up_actions", followUpActions.jsonValue)
        object.append("first_invoked", .optionalString(firstInvoked))
        object.append("last_invoked", .optionalString(lastInvoked))
        object.append("completion_rate", .double(completionRate))
        object.append("avg_duration_seconds", .double(avgDurationSeconds))
        return object
    }
}
