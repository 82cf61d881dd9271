import Foundation

/// The legacy `get_summary()` over the skill projection (legacy-json.md §1 "Summary").
///
/// Built from the rows in first-appearance order (the legacy `skills` order): the most used
/// skill is the first with the maximal total, and `skillsByUsage` is a stable sort by total,
/// descending. Floats are computed with the same operations in the same order as the Python
/// tracker, so they are bit-identical to it.
public struct SkillMetricsSummary: Sendable, Equatable {
    public var totalSkills: Int
    public var totalInvocations: Int
    public var overallCompletionRate: Double
    /// Nil when there are no skills.
    public var mostUsedSkill: String?
    public var mostUsedCount: Int
    public var avgDurationSeconds: Double
    /// Skills by total descending, ties in first-appearance order.
    public var skillsByUsage: [NamedCount]

    /// The summary of `rows`, which must be in first-appearance order.
    ///
    /// Throws ``SkillMetricsError/invalidStoredValue(table:column:row:reason:)`` when the
    /// skills' invocation counts add up past `Int.max`, which only an altered or damaged
    /// projection holds.
    public init(rowsInFirstSeenOrder rows: [SkillMetricsRow]) throws(SkillMetricsError) {
        totalSkills = rows.count
        var invocations = 0
        var completed = 0
        var duration = 0.0
        var mostUsed: SkillMetricsRow?
        for row in rows {
            invocations = try Self.sum(invocations, row.totalInvocations, "total_invocations", row.skillName)
            completed = try Self.sum(completed, row.completedInvocations, "completed_invocations", row.skillName)
            duration += row.totalDurationSeconds
            if mostUsed == nil || row.totalInvocations > (mostUsed?.totalInvocations ?? 0) {
                mostUsed = row
            }
        }
        totalInvocations = invocations
        overallCompletionRate = invocations == 0 ? 0.0 : Double(completed) / Double(invocations) * 100
        avgDurationSeconds = completed == 0 ? 0.0 : duration / Double(completed)
        mostUsedSkill = mostUsed?.skillName
        mostUsedCount = mostUsed?.totalInvocations ?? 0
        skillsByUsage = rows.enumerated()
            .sorted { lhs, rhs in
                lhs.element.totalInvocations != rhs.element.totalInvocations
                    ? lhs.element.totalInvocations > rhs.element.totalInvocations
                    : lhs.offset < rhs.offset
            }
            .map { NamedCount(name: $0.element.skillName, count: $0.element.totalInvocations) }
    }

    /// `total + value`, or the error naming the column and the skill where the sum overflows.
    static func sum(_ total: Int, _ value: Int, _ column: String, _ skill: String) throws(SkillMetricsError) -> Int {
        let (sum, overflow) = total.addingReportingOverflow(value)
        guard !overflow else {
            throw .invalidStoredValue(
                table: "skill_metrics", column: column, row: "skill \(JSONWriter.quoted(skill))",
                reason: "the sum over the skills up to this one does not fit in a 64-bit integer")
        }
        return sum
    }

    /// Exactly the dictionary the legacy `get_summary()` returns: with no skills only the first
    /// five keys (`0`, `0`, `0.0`, `null`, `0.0`).
    public var legacyJSON: JSONObject {
        var object = JSONObject()
        object.append("total_skills", .int(totalSkills))
        object.append("total_invocations", .int(totalInvocations))
        object.append("overall_completion_rate", .double(overallCompletionRate))
        object.append("most_used_skill", .optionalString(mostUsedSkill))
        if totalSkills == 0 {
            object.append("avg_duration_seconds", .double(avgDurationSeconds))
            return object
        }
        object.append("most_used_count", .int(mostUsedCount))
        object.append("avg_duration_seconds", .double(avgDurationSeconds))
        object.append("skills_by_usage", NamedCount.jsonArray(skillsByUsage))
        return object
    }
}
