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
}
