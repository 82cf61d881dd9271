import GRDB

/// One row of the `session_skill` projection: a (session, skill) pair.
public struct SessionSkillRow: Sendable, Equatable {
    public var sessionID: String
    public var skillName: String
    public var invocationCount: Int
    public var firstInvokedAt: String
    public var lastInvokedAt: String
    /// Sum, in seq order, of the non-null durations of the pair's events.
    public var totalDurationSeconds: Double
    public var firstSeq: Int64
    public var lastSeq: Int64

    var databaseValues: [(column: String, value: DatabaseValue)] {
        [
            ("session_id", sessionID.databaseValue),
            ("skill_name", skillName.databaseValue),
            ("invocation_count", invocationCount.databaseValue),
            ("first_invoked_at", firstInvokedAt.databaseValue),
            ("last_invoked_at", lastInvokedAt.databaseValue),
            ("total_duration_seconds", totalDurationSeconds.databaseValue),
            ("first_seq", firstSeq.databaseValue),
            ("last_seq", lastSeq.databaseValue),
        ]
    }

    /// The JSON shape used by the command line.
    public var json: JSONObject {
        JSONObject([
            ("session_id", .string(sessionID)),
            ("skill_name", .string(skillName)),
            ("invocation_count", .int(invocationCount)),
            ("first_invoked_at", .string(firstInvokedAt)),
            ("last_invoked_at", .string(lastInvokedAt)),
            ("total_duration_seconds", .double(totalDurationSeconds)),
        ])
    }
}
