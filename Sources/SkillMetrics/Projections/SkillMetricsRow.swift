import GRDB

/// One row of the `skill_metrics` projection (the rules in docs/architecture.md), under the legacy field names.
public struct SkillMetricsRow: Sendable, Equatable {
    public var skillName: String
    public var totalInvocations: Int
    public var completedInvocations: Int
    public var abandonedInvocations: Int
    public var totalDurationSeconds: Double
    public var workflowPaths: OrderedCounts
    public var commonErrors: OrderedCounts
    public var followUpActions: OrderedCounts
    /// Canonical UTC text of the first / last event's `invoked_at` in seq order.
    public var firstInvoked: String
    public var lastInvoked: String
    public var completionRate: Double
    public var avgDurationSeconds: Double
    /// Seq of the skill's first and last finished event (first appearance orders skills).
    public var firstSeq: Int64
    public var lastSeq: Int64
    /// Completed events with a non-null duration (schema V2; 0 on a V1 database).
    public var durationCount: Int = 0
    /// Duration percentiles (schema V2); nil when the skill has no duration or the database
    /// is at schema V1.
    public var percentiles: DurationPercentiles?

    /// The row's column values, with the schema V2 columns when `percentiles` is true.
    func databaseValues(percentiles includePercentiles: Bool) -> [(column: String, value: DatabaseValue)] {
        guard includePercentiles else { return databaseValues }
        return databaseValues + [
            ("duration_count", durationCount.databaseValue),
            ("min_duration_seconds", percentiles?.min.databaseValue ?? .null),
            ("max_duration_seconds", percentiles?.max.databaseValue ?? .null),
            ("p50_duration_seconds", percentiles?.p50.databaseValue ?? .null),
            ("p95_duration_seconds", percentiles?.p95.databaseValue ?? .null),
            ("p99_duration_seconds", percentiles?.p99.databaseValue ?? .null),
        ]
    }

    /// The row's `skill_totals` column values (schema V5: the dictionaries are `skill_key_count`
    /// rows, which the `skill_metrics` view assembles).
    var totalsDatabaseValues: [(column: String, value: DatabaseValue)] {
        [
            ("skill_name", skillName.databaseValue),
            ("total_invocations", totalInvocations.databaseValue),
            ("completed_invocations", completedInvocations.databaseValue),
            ("abandoned_invocations", abandonedInvocations.databaseValue),
            ("total_duration_seconds", totalDurationSeconds.databaseValue),
            ("first_invoked", firstInvoked.databaseValue),
            ("last_invoked", lastInvoked.databaseValue),
            ("first_seq", firstSeq.databaseValue),
            ("last_seq", lastSeq.databaseValue),
            ("duration_count", durationCount.databaseValue),
            ("min_duration_seconds", percentiles?.min.databaseValue ?? .null),
            ("max_duration_seconds", percentiles?.max.databaseValue ?? .null),
            ("p50_duration_seconds", percentiles?.p50.databaseValue ?? .null),
            ("p95_duration_seconds", percentiles?.p95.databaseValue ?? .null),
            ("p99_duration_seconds", percentiles?.p99.databaseValue ?? .null),
            ("completion_rate", completionRate.databaseValue),
            ("avg_duration_seconds", avgDurationSeconds.databaseValue),
        ]
    }

    /// The row's schema V1 column values, as the projection table stores them.
    var databaseValues: [(column: String, value: DatabaseValue)] {
        [
            ("skill_name", skillName.databaseValue),
            ("total_invocations", totalInvocations.databaseValue),
            ("completed_invocations", completedInvocations.databaseValue),
            ("abandoned_invocations", abandonedInvocations.databaseValue),
            ("total_duration_seconds", totalDurationSeconds.databaseValue),
            ("workflow_paths", workflowPaths.sqliteJSON.databaseValue),
            ("common_errors", commonErrors.sqliteJSON.databaseValue),
            ("follow_up_actions", followUpActions.sqliteJSON.databaseValue),
            ("first_invoked", firstInvoked.databaseValue),
            ("last_invoked", lastInvoked.databaseValue),
            ("completion_rate", completionRate.databaseValue),
            ("avg_duration_seconds", avgDurationSeconds.databaseValue),
            ("first_seq", firstSeq.databaseValue),
            ("last_seq", lastSeq.databaseValue),
        ]
    }

    static let selectSQL = """
        SELECT skill_name, total_invocations, completed_invocations, abandoned_invocations,
               total_duration_seconds, workflow_paths, common_errors, follow_up_actions,
               first_invoked, last_invoked, completion_rate, avg_duration_seconds, first_seq, last_seq
        FROM skill_metrics
        """

    /// ``selectSQL`` plus the schema V2 columns (decoded by ``init(row:)`` when present).
    package static let selectWithPercentilesSQL = """
        SELECT skill_name, total_invocations, completed_invocations, abandoned_invocations,
               total_duration_seconds, workflow_paths, common_errors, follow_up_actions,
               first_invoked, last_invoked, completion_rate, avg_duration_seconds, first_seq, last_seq,
               duration_count, min_duration_seconds, max_duration_seconds,
               p50_duration_seconds, p95_duration_seconds, p99_duration_seconds
        FROM skill_metrics
        """

    /// The select statement for this database's schema.
    static func selectSQL(_ db: Database) throws -> String {
        try ProjectionSet.hasPercentileColumns(db) ? selectWithPercentilesSQL : selectSQL
    }

    /// Decodes a row selected with ``selectSQL`` (or ``selectWithPercentilesSQL``). Every
    /// column is read with a throwing accessor: a value of the wrong type (a foreign or altered
    /// file) is an error naming the skill and column, never a trap.
    init(row: Row) throws {
        func value<T: DatabaseValueConvertible>(_ index: Int, _ type: T.Type, _ column: String, skill: String?) throws -> T {
            do {
                return try row.decode(T.self, atIndex: index)
            } catch {
                throw SkillMetricsError.invalidInput(
                    location: "skill_metrics \(skill.map(JSONWriter.quoted) ?? "(unreadable name)"), column \(column)",
                    reason: "unexpected value \(ProjectionDifference.render(row[index] as DatabaseValue))")
            }
        }
        let name = try value(0, String.self, "skill_name", skill: nil)
        func counts(_ index: Int, _ column: String) throws -> OrderedCounts {
            let text = try value(index, String.self, column, skill: name)
            guard let counts = OrderedCounts(json: text) else {
                throw SkillMetricsError.invalidInput(
                    location: "skill_metrics \(JSONWriter.quoted(name)), field \(column)",
                    reason: "not a JSON object of counts")
            }
            return counts
        }
        skillName = name
        totalInvocations = try value(1, Int.self, "total_invocations", skill: name)
        completedInvocations = try value(2, Int.self, "completed_invocations", skill: name)
        abandonedInvocations = try value(3, Int.self, "abandoned_invocations", skill: name)
        totalDurationSeconds = try value(4, Double.self, "total_duration_seconds", skill: name)
        workflowPaths = try counts(5, "workflow_paths")
        commonErrors = try counts(6, "common_errors")
        followUpActions = try counts(7, "follow_up_actions")
        firstInvoked = try value(8, String.self, "first_invoked", skill: name)
        lastInvoked = try value(9, String.self, "last_invoked", skill: name)
        completionRate = try value(10, Double.self, "completion_rate", skill: name)
        avgDurationSeconds = try value(11, Double.self, "avg_duration_seconds", skill: name)
        firstSeq = try value(12, Int64.self, "first_seq", skill: name)
        lastSeq = try value(13, Int64.self, "last_seq", skill: name)
        if row.count >= 20 {
            durationCount = try value(14, Int.self, "duration_count", skill: name)
            if durationCount > 0,
               let minimum = try value(15, Double?.self, "min_duration_seconds", skill: name),
               let maximum = try value(16, Double?.self, "max_duration_seconds", skill: name),
               let p50 = try value(17, Double?.self, "p50_duration_seconds", skill: name),
               let p95 = try value(18, Double?.self, "p95_duration_seconds", skill: name),
               let p99 = try value(19, Double?.self, "p99_duration_seconds", skill: name) {
                percentiles = DurationPercentiles(
                    count: durationCount, min: minimum, max: maximum, p50: p50, p95: p95, p99: p99)
            }
        }
    }

    init(
        skillName: String, totalInvocations: Int, completedInvocations: Int, abandonedInvocations: Int,
        totalDurationSeconds: Double, workflowPaths: OrderedCounts, commonErrors: OrderedCounts,
        followUpActions: OrderedCounts, firstInvoked: String, lastInvoked: String,
        completionRate: Double, avgDurationSeconds: Double, firstSeq: Int64, lastSeq: Int64,
        durationCount: Int = 0, percentiles: DurationPercentiles? = nil
    ) {
        self.durationCount = durationCount
        self.percentiles = percentiles
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
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
    }

    /// The legacy JSON shape (`skills[name]` of the crackerjack file), with timestamps as
    /// stored (canonical UTC).
    public var legacyJSON: JSONObject {
        LegacySkill(
            key: skillName, skillName: skillName, totalInvocations: totalInvocations,
            completedInvocations: completedInvocations, abandonedInvocations: abandonedInvocations,
            totalDurationSeconds: totalDurationSeconds, workflowPaths: workflowPaths,
            commonErrors: commonErrors, followUpActions: followUpActions, firstInvoked: firstInvoked,
            lastInvoked: lastInvoked, completionRate: completionRate,
            avgDurationSeconds: avgDurationSeconds
        ).jsonObject
    }

    /// ``legacyJSON`` followed by the schema V2 fields (`duration_count`, `min_duration_seconds`,
    /// `max_duration_seconds`, `p50/p95/p99_duration_seconds`; null when there is no duration),
    /// as `show --json` and `list --json` print it.
    public var jsonWithPercentiles: JSONObject {
        var object = legacyJSON
        object.append("duration_count", .int(durationCount))
        object.append("min_duration_seconds", percentiles.map { .double($0.min) } ?? .null)
        object.append("max_duration_seconds", percentiles.map { .double($0.max) } ?? .null)
        object.append("p50_duration_seconds", percentiles.map { .double($0.p50) } ?? .null)
        object.append("p95_duration_seconds", percentiles.map { .double($0.p95) } ?? .null)
        object.append("p99_duration_seconds", percentiles.map { .double($0.p99) } ?? .null)
        return object
    }
}
