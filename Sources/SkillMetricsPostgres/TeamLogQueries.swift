import Foundation
import PostgresNIO
import SkillMetrics

/// Reads of the team log's projections, as the same core rows the local commands print
/// (`list`, `show`, `summary` with `--db postgres://…`).
public struct TeamLogQueries: Sendable {
    public init() {}

    /// The team log's `skill_metrics` has the local V2+ columns, so the core's select serves both.
    private static let select = SkillMetricsRow.selectWithPercentilesSQL

    /// Every skill, by total invocations descending, ties by first appearance (as `list`).
    public func allMetrics(_ log: TeamLogConnection) async throws -> [SkillMetricsRow] {
        try await log.rows("\(unescaped: Self.select) ORDER BY total_invocations DESC, first_seq ASC", "reading skill_metrics")
            .map(Self.decode)
    }

    /// Every skill in order of first appearance (as `summary`).
    public func allMetricsInFirstSeenOrder(_ log: TeamLogConnection) async throws -> [SkillMetricsRow] {
        try await log.rows("\(unescaped: Self.select) ORDER BY first_seq ASC", "reading skill_metrics").map(Self.decode)
    }

    /// One skill's row, nil when the skill has none.
    public func metrics(for skill: String, _ log: TeamLogConnection) async throws -> SkillMetricsRow? {
        try await log.rows("\(unescaped: Self.select) WHERE skill_name = \(skill)", "reading skill_metrics")
            .first.map(Self.decode)
    }

    /// The number of events on the server.
    public func eventCount(_ log: TeamLogConnection) async throws -> Int {
        guard let row = try await log.rows("SELECT count(*) FROM skill_invocation", "counting events").first else { return 0 }
        return try ServerRow(row, "count").value(0, Int.self)
    }

    static func decode(_ postgresRow: PostgresRow) throws -> SkillMetricsRow {
        let row = ServerRow(postgresRow, "skill_metrics")
        let name = try row.value(0, String.self)
        func counts(_ index: Int, _ field: String) throws -> OrderedCounts {
            guard let counts = OrderedCounts(json: try row.value(index, String.self)) else {
                throw TeamLogError.invalidRow("skill_metrics \(JSONWriter.quoted(name)), field \(field): not a JSON object of counts")
            }
            return counts
        }
        let durationCount = try row.value(14, Int.self)
        var percentiles: DurationPercentiles?
        if durationCount > 0, let minimum = try row.value(15, Double?.self), let maximum = try row.value(16, Double?.self),
           let p50 = try row.value(17, Double?.self), let p95 = try row.value(18, Double?.self),
           let p99 = try row.value(19, Double?.self) {
            percentiles = DurationPercentiles.stored(count: durationCount, min: minimum, max: maximum, p50: p50, p95: p95, p99: p99)
        }
        return SkillMetricsRow.stored(
            skillName: name, totalInvocations: try row.value(1, Int.self),
            completedInvocations: try row.value(2, Int.self), abandonedInvocations: try row.value(3, Int.self),
            totalDurationSeconds: try row.value(4, Double.self),
            workflowPaths: try counts(5, "workflow_paths"), commonErrors: try counts(6, "common_errors"),
            followUpActions: try counts(7, "follow_up_actions"), firstInvoked: try row.value(8, String.self),
            lastInvoked: try row.value(9, String.self), completionRate: try row.value(10, Double.self),
            avgDurationSeconds: try row.value(11, Double.self), firstSeq: try row.value(12, Int64.self),
            lastSeq: try row.value(13, Int64.self), durationCount: durationCount, percentiles: percentiles)
    }
}
