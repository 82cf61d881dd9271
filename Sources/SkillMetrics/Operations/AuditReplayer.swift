import GRDB

/// Point-in-time replay (`audit replay`): the projections as they stood at a seq or an
/// instant, recomputed by the Swift projectors on one read snapshot. Memory is bounded by the
/// number of skills and sessions.
public struct AuditReplayer: Sendable {
    /// The store whose log is replayed.
    public let store: SkillMetricsStore

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// The projections as of event `seq` (inclusive).
    ///
    /// - Throws: ``SkillMetricsError/invalidInput(location:reason:)`` when `seq` is negative.
    public func replay(throughSeq seq: Int64) throws -> AuditReplay {
        guard seq >= 0 else {
            throw SkillMetricsError.invalidInput(location: "--until-seq", reason: "must be 0 or more, got \(seq)")
        }
        return try store.read { db in try Self.replay(db, through: seq) }
    }

    /// The projections as the log stood at `instant`: every event appended (`recorded_at`,
    /// millisecond precision) at or before it.
    public func replay(until instant: Timestamp) throws -> AuditReplay {
        // recorded_at is written as strftime('%Y-%m-%dT%H:%M:%fZ'): milliseconds.
        let cutoff = String(instant.canonical.prefix(23)) + "Z"
        return try store.read { db in
            let seq = try Int64.fetchOne(
                db, sql: "SELECT max(seq) FROM skill_invocation WHERE recorded_at <= ?", arguments: [cutoff]) ?? 0
            return try Self.replay(db, through: seq)
        }
    }

    static func replay(_ db: Database, through seq: Int64) throws -> AuditReplay {
        var projections = ProjectionSet()
        try projections.fold(db, through: seq)
        return AuditReplay(
            throughSeq: projections.lastSeq, events: projections.eventCount,
            skills: projections.skillMetrics.rows, sessionSkills: projections.sessionSkills.rows)
    }
}
