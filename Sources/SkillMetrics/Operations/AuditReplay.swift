/// The projections as they stood at one point of the log (`audit replay`).
///
/// Computed by the same Swift projectors as rebuild and verify, folding the events with
/// `seq <= throughSeq`; equal to what a fresh database holding only those events stores.
public struct AuditReplay: Sendable, Equatable {
    /// The last seq folded (0 when no event qualified).
    public var throughSeq: Int64
    /// Events folded (finished or not).
    public var events: Int
    /// Skill rows in first-appearance order.
    public var skills: [SkillMetricsRow]
    public var sessionSkills: [SessionSkillRow]

    /// The replay as JSON (`audit replay --json`): skills with the legacy field names (plus the
    /// schema V2 fields) and session × skill rows.
    public var json: JSONObject {
        JSONObject([
            ("through_seq", .int(Int(throughSeq))),
            ("events", .int(events)),
            ("skills", .array(skills.map { .object($0.jsonWithPercentiles) })),
            ("session_skills", .array(sessionSkills.map { .object($0.json) })),
        ])
    }
}
