import Foundation
import PostgresNIO
import SkillMetrics

/// `verify` and `rebuild` on the team log: the server's events streamed in seq order through
/// the core's Swift projectors (memory bounded by skills, sessions and keys, never by events),
/// compared with, or written over, what the PL/pgSQL triggers stored.
public struct TeamLogProjections: Sendable {
    /// The outcome of a verification.
    public struct Verification: Sendable {
        public var events: Int
        public var skills: Int
        public var sessionSkills: Int
        /// Every field that differs (empty when the projections match the log).
        public var differences: [ProjectionDifference]
        public var isConsistent: Bool { differences.isEmpty }
    }

    /// The recomputed projections (fold and percentiles) as of the end of the log.
    struct Recomputed {
        var projections = ProjectionSet()
        var percentiles: [String: DurationPercentiles] = [:]
    }

    public init() {}

    /// Folds the server's log (in the caller's transaction, so on one snapshot).
    ///
    /// The events stream in seq order, each row decoded in one call (postgres-nio's tuple
    /// decode) and folded as it arrives, while the connection's event loop reads the next
    /// ones. The percentiles need only a few sorted positions of each skill's durations: the
    /// server numbers every skill's durations in the order (duration, seq) along the duration
    /// index, in one scan, and sends the values at the positions asked for; they are offered
    /// to the core's ``SortedDurationStream`` at those positions (NaN elsewhere, so a position
    /// the core wanted and was not sent shows as a difference, never as a silent match).
    func recompute(_ log: TeamLogConnection) async throws -> Recomputed {
        var recomputed = Recomputed()
        try await log.stream("""
            SELECT seq, skill_name, invoked_at, workflow_path, completed, duration_seconds, error_type,
                   session_id, follow_up_actions, finished
            FROM skill_invocation ORDER BY seq
            """, "reading the team log") { postgresRow in
            let (seq, skillName, invokedAt, workflowPath, completed, durationSeconds, errorType, sessionID, actionsText, finished):
                (Int64, String, String, String?, Int, Double?, String?, String?, String, Int)
            do {
                (seq, skillName, invokedAt, workflowPath, completed, durationSeconds, errorType, sessionID, actionsText, finished) =
                    try postgresRow.decode((Int64, String, String, String?, Int, Double?, String?, String?, String, Int).self)
            } catch {
                throw TeamLogError.invalidRow("skill_invocation: \(error)")
            }
            guard let actions = ProjectionEvent.parseFollowUpActions(actionsText) else {
                throw TeamLogError.invalidRow("skill_invocation seq \(seq): follow_up_actions is not a JSON array of strings")
            }
            recomputed.projections.apply(ProjectionEvent.stored(
                seq: seq, skillName: skillName, invokedAt: invokedAt, workflowPath: workflowPath,
                completed: completed != 0, durationSeconds: durationSeconds, errorType: errorType,
                sessionID: sessionID, followUpActions: actions, finished: finished != 0))
        }
        let counted = recomputed.projections.skillMetrics.rows.filter { $0.durationCount > 0 }
        guard !counted.isEmpty else { return recomputed }
        var askedSkills: [String] = []
        var askedPositions: [Int64] = []
        for row in counted {
            for position in Self.percentilePositions(count: row.durationCount) {
                askedSkills.append(row.skillName)
                askedPositions.append(Int64(position))
            }
        }
        var values: [String: (count: Int, at: [Int: Double])] = [:]
        try await log.stream("""
            SELECT d.skill_name, d.pos, d.n, d.duration_seconds
            FROM (SELECT i.skill_name, i.duration_seconds,
                         row_number() OVER (PARTITION BY i.skill_name ORDER BY i.duration_seconds, i.seq) - 1 AS pos,
                         count(*) OVER (PARTITION BY i.skill_name) AS n
                  FROM skill_invocation i
                  WHERE i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL) AS d
            JOIN unnest(\(askedSkills)::text[], \(askedPositions)::bigint[]) AS w(skill_name, pos)
                 ON w.skill_name = d.skill_name AND w.pos = d.pos
            """, "reading durations") { postgresRow in
            let (skill, position, count, value): (String, Int, Int, Double)
            do {
                (skill, position, count, value) = try postgresRow.decode((String, Int, Int, Double).self)
            } catch {
                throw TeamLogError.invalidRow("durations: \(error)")
            }
            values[skill, default: (count, [:])].at[position] = value
        }
        for row in counted {
            let found = values[row.skillName]
            guard let found, found.count == row.durationCount else {
                throw TeamLogError.invalidRow("skill \(JSONWriter.quoted(row.skillName)): \(found?.count ?? 0) durations, the fold counted \(row.durationCount)")
            }
            var stream = SortedDurationStream(count: row.durationCount)
            for position in 0..<row.durationCount {
                stream.offer(found.at[position] ?? .nan)
            }
            recomputed.percentiles[row.skillName] = stream.result
        }
        return recomputed
    }

    /// The sorted positions numpy's linear method reads for min, max, p50, p95 and p99 of
    /// `count` values (DESIGN.md section 3: k = (n-1)·p, f = floor(k), c = min(f+1, n-1)).
    static func percentilePositions(count: Int) -> Set<Int> {
        var positions: Set<Int> = [0, count - 1]
        for fraction in [50.0 / 100.0, 95.0 / 100.0, 99.0 / 100.0] {
            let f = Int((Double(count - 1) * fraction).rounded(.down))
            positions.insert(f)
            positions.insert(Swift.min(f + 1, count - 1))
        }
        return positions
    }

    /// Recomputes the projections from the server's events and compares them with the stored
    /// ones, bit for bit (doubles by bit pattern, text by bytes, count keys in order).
    public func verify(_ log: TeamLogConnection) async throws -> Verification {
        try await log.transaction("verifying") {
            try await log.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", "verifying")
            let recomputed = try await recompute(log)
            var differences: [ProjectionDifference] = []
            try await compareSkills(recomputed, log, &differences)
            try await compareSessions(recomputed, log, &differences)
            return Verification(
                events: recomputed.projections.eventCount,
                skills: recomputed.projections.skillMetrics.rows.count,
                sessionSkills: recomputed.projections.sessionSkills.rowCount,
                differences: differences)
        }
    }

    /// Replaces the stored projections with the recomputed ones, in one transaction under the
    /// writers' lock (appends wait until it commits). Returns the verification of the result's input.
    @discardableResult
    public func rebuild(_ log: TeamLogConnection) async throws -> (events: Int, skills: Int, sessionSkills: Int) {
        try await log.transaction("rebuilding") {
            try await log.lockWriters()
            let recomputed = try await recompute(log)
            try await log.execute("DELETE FROM skill_key_count", "rebuilding")
            try await log.execute("DELETE FROM session_skill", "rebuilding")
            try await log.execute("DELETE FROM skill_totals", "rebuilding")
            for row in recomputed.projections.skillMetrics.rows {
                let p = recomputed.percentiles[row.skillName]
                try await log.execute("""
                    INSERT INTO skill_totals (skill_name, total_invocations, completed_invocations,
                        abandoned_invocations, total_duration_seconds, first_invoked, last_invoked, first_seq,
                        last_seq, duration_count, min_duration_seconds, max_duration_seconds,
                        p50_duration_seconds, p95_duration_seconds, p99_duration_seconds)
                    VALUES (\(row.skillName), \(row.totalInvocations), \(row.completedInvocations),
                        \(row.abandonedInvocations), \(row.totalDurationSeconds), \(row.firstInvoked),
                        \(row.lastInvoked), \(row.firstSeq), \(row.lastSeq), \(row.durationCount),
                        \(p?.min), \(p?.max), \(p?.p50), \(p?.p95), \(p?.p99))
                    """, "rebuilding skill_totals")
                for (field, counts) in [("workflow_paths", row.workflowPaths), ("common_errors", row.commonErrors),
                                        ("follow_up_actions", row.followUpActions)] where !counts.isEmpty {
                    let keys = counts.entries.map(\.key)
                    let values = counts.entries.map(\.count)
                    try await log.execute("""
                        INSERT INTO skill_key_count (skill_name, field, key, count, first_seq, first_index)
                        SELECT \(row.skillName), \(field), k.key, k.count, \(row.firstSeq), k.ord - 1
                        FROM unnest(\(keys)::text[], \(values)::bigint[]) WITH ORDINALITY AS k(key, count, ord)
                        """, "rebuilding skill_key_count")
                }
            }
            for row in recomputed.projections.sessionSkills.rows {
                try await log.execute("""
                    INSERT INTO session_skill (session_id, skill_name, invocation_count, first_invoked_at,
                        last_invoked_at, total_duration_seconds, first_seq, last_seq)
                    VALUES (\(row.sessionID), \(row.skillName), \(row.invocationCount), \(row.firstInvokedAt),
                        \(row.lastInvokedAt), \(row.totalDurationSeconds), \(row.firstSeq), \(row.lastSeq))
                    """, "rebuilding session_skill")
            }
            try await repositionPercentileCursors(log)
            return (recomputed.projections.eventCount, recomputed.projections.skillMetrics.rows.count,
                    recomputed.projections.sessionSkills.rowCount)
        }
    }

    /// Positions the percentile cursors (schema V2) afresh for the rebuilt skill_totals, so the
    /// next batch moves them from the log as it is (nothing to do on a V1 server, which has none).
    private func repositionPercentileCursors(_ log: TeamLogConnection) async throws(TeamLogError) {
        guard let row = try await log.rows("SELECT to_regclass('skill_percentile_cursor') IS NOT NULL", "rebuilding").first,
              try ServerRow(row, "rebuilding").value(0, Bool.self) else { return }
        try await log.execute("DELETE FROM skill_percentile_cursor", "rebuilding the percentile cursors")
        try await log.execute(
            "SELECT sm_position_percentile_cursors(ARRAY(SELECT skill_name FROM skill_totals WHERE duration_count > 0))",
            "rebuilding the percentile cursors")
    }

    private func compareSkills(_ recomputed: Recomputed, _ log: TeamLogConnection, _ differences: inout [ProjectionDifference]) async throws {
        var stored: [String: ServerSkill] = [:]
        try await log.stream("""
            SELECT skill_name, total_invocations, completed_invocations, abandoned_invocations,
                   total_duration_seconds, first_invoked, last_invoked, first_seq, last_seq, duration_count,
                   min_duration_seconds, max_duration_seconds, p50_duration_seconds, p95_duration_seconds,
                   p99_duration_seconds
            FROM skill_totals
            """, "reading skill_totals") { postgresRow in
            let skill = try ServerSkill(postgresRow)
            stored[skill.name] = skill
        }
        try await log.stream("""
            SELECT skill_name, field, key, count FROM skill_key_count
            ORDER BY skill_name, field, first_seq, first_index
            """, "reading skill_key_count") { postgresRow in
            let (name, field, key, count): (String, String, String, Int)
            do {
                (name, field, key, count) = try postgresRow.decode((String, String, String, Int).self)
            } catch {
                throw TeamLogError.invalidRow("skill_key_count: \(error)")
            }
            if stored[name] == nil { stored[name] = ServerSkill(orphan: name) }
            stored[name]?.counts[field, default: OrderedCounts()].add(key, count: count)
        }
        var seen = Set<String>()
        for row in recomputed.projections.skillMetrics.rows {
            seen.insert(row.skillName)
            func difference(_ field: String, _ storedText: String, _ recomputedText: String) {
                differences.append(ProjectionDifference.make(
                    table: "skill_metrics", key: [row.skillName], field: field, stored: storedText, recomputed: recomputedText))
            }
            guard let skill = stored[row.skillName], !skill.isOrphan else {
                difference("(row)", "(missing)", "(present)")
                continue
            }
            let p = recomputed.percentiles[row.skillName]
            let integers: [(String, Int, Int)] = [
                ("total_invocations", skill.total, row.totalInvocations),
                ("completed_invocations", skill.completed, row.completedInvocations),
                ("abandoned_invocations", skill.abandoned, row.abandonedInvocations),
                ("first_seq", Int(skill.firstSeq), Int(row.firstSeq)),
                ("last_seq", Int(skill.lastSeq), Int(row.lastSeq)),
                ("duration_count", skill.durationCount, row.durationCount),
            ]
            for (field, a, b) in integers where a != b { difference(field, String(a), String(b)) }
            let doubles: [(String, Double?, Double?)] = [
                ("total_duration_seconds", skill.totalDuration, row.totalDurationSeconds),
                ("min_duration_seconds", skill.min, p?.min),
                ("max_duration_seconds", skill.max, p?.max),
                ("p50_duration_seconds", skill.p50, p?.p50),
                ("p95_duration_seconds", skill.p95, p?.p95),
                ("p99_duration_seconds", skill.p99, p?.p99),
            ]
            for (field, a, b) in doubles where a?.bitPattern != b?.bitPattern {
                difference(field, Self.render(a), Self.render(b))
            }
            let texts: [(String, String, String)] = [
                ("first_invoked", skill.firstInvoked, row.firstInvoked),
                ("last_invoked", skill.lastInvoked, row.lastInvoked),
            ]
            for (field, a, b) in texts where Array(a.utf8) != Array(b.utf8) {
                difference(field, JSONWriter.quoted(a), JSONWriter.quoted(b))
            }
            let dictionaries: [(String, OrderedCounts)] = [
                ("workflow_paths", row.workflowPaths), ("common_errors", row.commonErrors),
                ("follow_up_actions", row.followUpActions),
            ]
            for (field, counts) in dictionaries {
                let storedCounts = skill.counts[field] ?? OrderedCounts()
                if !Self.identical(storedCounts, counts) {
                    difference(field, storedCounts.sqliteJSON, counts.sqliteJSON)
                }
            }
        }
        for name in stored.keys.sorted() where !seen.contains(name) {
            differences.append(ProjectionDifference.make(
                table: "skill_metrics", key: [name], field: "(row)", stored: "(present)", recomputed: "(missing)"))
        }
    }

    private func compareSessions(_ recomputed: Recomputed, _ log: TeamLogConnection, _ differences: inout [ProjectionDifference]) async throws {
        var stored: [SessionSkillKey: SessionSkillRow] = [:]
        stored.reserveCapacity(recomputed.projections.sessionSkills.rowCount)
        try await log.stream("""
            SELECT session_id, skill_name, invocation_count, first_invoked_at, last_invoked_at,
                   total_duration_seconds, first_seq, last_seq
            FROM session_skill
            """, "reading session_skill") { postgresRow in
            let (session, skill, count, first, last, total, firstSeq, lastSeq): (String, String, Int, String, String, Double, Int64, Int64)
            do {
                (session, skill, count, first, last, total, firstSeq, lastSeq) =
                    try postgresRow.decode((String, String, Int, String, String, Double, Int64, Int64).self)
            } catch {
                throw TeamLogError.invalidRow("session_skill: \(error)")
            }
            stored[SessionSkillKey(session: session, skill: skill)] = SessionSkillRow.stored(
                sessionID: session, skillName: skill, invocationCount: count, firstInvokedAt: first,
                lastInvokedAt: last, totalDurationSeconds: total, firstSeq: firstSeq, lastSeq: lastSeq)
        }
        // Each stored row is taken out as its recomputed row meets it; what is left has no
        // recomputed row.
        for row in recomputed.projections.sessionSkills.rows {
            let key = [row.sessionID, row.skillName]
            func difference(_ field: String, _ a: String, _ b: String) {
                differences.append(ProjectionDifference.make(table: "session_skill", key: key, field: field, stored: a, recomputed: b))
            }
            guard let other = stored.removeValue(forKey: SessionSkillKey(session: row.sessionID, skill: row.skillName)) else {
                difference("(row)", "(missing)", "(present)")
                continue
            }
            if other.invocationCount != row.invocationCount {
                difference("invocation_count", String(other.invocationCount), String(row.invocationCount))
            }
            if other.firstInvokedAt != row.firstInvokedAt {
                difference("first_invoked_at", JSONWriter.quoted(other.firstInvokedAt), JSONWriter.quoted(row.firstInvokedAt))
            }
            if other.lastInvokedAt != row.lastInvokedAt {
                difference("last_invoked_at", JSONWriter.quoted(other.lastInvokedAt), JSONWriter.quoted(row.lastInvokedAt))
            }
            if other.totalDurationSeconds.bitPattern != row.totalDurationSeconds.bitPattern {
                difference("total_duration_seconds", Self.render(other.totalDurationSeconds), Self.render(row.totalDurationSeconds))
            }
            if other.firstSeq != row.firstSeq { difference("first_seq", String(other.firstSeq), String(row.firstSeq)) }
            if other.lastSeq != row.lastSeq { difference("last_seq", String(other.lastSeq), String(row.lastSeq)) }
        }
        for key in stored.keys.sorted(by: { ($0.session, $0.skill) < ($1.session, $1.skill) }) {
            differences.append(ProjectionDifference.make(
                table: "session_skill", key: [key.session, key.skill], field: "(row)", stored: "(present)", recomputed: "(missing)"))
        }
    }

    /// A `session_skill` row's key (hashing two strings, not an array of them).
    private struct SessionSkillKey: Hashable {
        var session: String
        var skill: String
    }

    static func render(_ value: Double?) -> String {
        value.map(PythonFloatFormatter.repr) ?? "NULL"
    }

    /// Same keys, same counts, same order, keys compared by bytes.
    static func identical(_ a: OrderedCounts, _ b: OrderedCounts) -> Bool {
        a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { Array($0.key.utf8) == Array($1.key.utf8) && $0.count == $1.count }
    }
}

/// One stored `skill_totals` row and its count dictionaries.
private struct ServerSkill {
    var name: String
    var isOrphan = false
    var total = 0, completed = 0, abandoned = 0
    var totalDuration: Double? = 0
    var firstInvoked = "", lastInvoked = ""
    var firstSeq: Int64 = 0, lastSeq: Int64 = 0
    var durationCount = 0
    var min: Double?, max: Double?, p50: Double?, p95: Double?, p99: Double?
    var counts: [String: OrderedCounts] = [:]

    init(orphan name: String) {
        self.name = name
        isOrphan = true
    }

    init(_ postgresRow: PostgresRow) throws(TeamLogError) {
        let row = ServerRow(postgresRow, "skill_totals")
        name = try row.value(0, String.self)
        total = try row.value(1, Int.self)
        completed = try row.value(2, Int.self)
        abandoned = try row.value(3, Int.self)
        totalDuration = try row.value(4, Double.self)
        firstInvoked = try row.value(5, String.self)
        lastInvoked = try row.value(6, String.self)
        firstSeq = try row.value(7, Int64.self)
        lastSeq = try row.value(8, Int64.self)
        durationCount = try row.value(9, Int.self)
        min = try row.value(10, Double?.self)
        max = try row.value(11, Double?.self)
        p50 = try row.value(12, Double?.self)
        p95 = try row.value(13, Double?.self)
        p99 = try row.value(14, Double?.self)
    }
}
