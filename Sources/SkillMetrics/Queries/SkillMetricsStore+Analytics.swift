import Foundation
import GRDB

extension SkillMetricsStore {
    /// The legacy `get_summary()` of the current projections.
    public func summary() throws -> SkillMetricsSummary {
        SkillMetricsSummary(rowsInFirstSeenOrder: try allMetricsInFirstSeenOrder())
    }

    /// The legacy plain-text `generate_report()` of the current projections (no trailing newline).
    public func report() throws -> String {
        LegacyReport.render(rowsInFirstSeenOrder: try allMetricsInFirstSeenOrder())
    }

    /// Invocations per bucket over `[end - window, end)`, for one skill or all (nil).
    ///
    /// - Parameters:
    ///   - window: length of the window in microseconds (see ``Timeline/parseWindow(_:)``).
    ///   - end: end of the window (exclusive); pass a fixed instant for reproducible output.
    /// - Throws: ``SkillMetricsError/invalidInput(location:reason:)`` when the window would
    ///   hold more than ``Timeline/maximumBuckets`` buckets.
    public func timeline(
        skill: String? = nil, windowMicroseconds window: Int64, bucket: Timeline.BucketSize,
        end: Timestamp = .now()
    ) throws -> Timeline {
        guard window > 0 else {
            throw SkillMetricsError.invalidInput(location: "--window", reason: "the window must be longer than 0")
        }
        let (startMicroseconds, overflow) = end.microsecondsSinceEpoch.subtractingReportingOverflow(window)
        guard !overflow, startMicroseconds >= Timestamp.minimum.microsecondsSinceEpoch,
              end <= Timestamp.maximum else {
            throw SkillMetricsError.invalidInput(location: "--window", reason: "the window reaches outside years 0001–9999")
        }
        let start = Timestamp(microsecondsSinceEpoch: startMicroseconds)
        let firstBucket = bucket.floor(start)
        let lastBucket = bucket.floor(Timestamp(microsecondsSinceEpoch: end.microsecondsSinceEpoch - 1))
        let count = Int((lastBucket.microsecondsSinceEpoch - firstBucket.microsecondsSinceEpoch) / bucket.microseconds) + 1
        guard count <= Timeline.maximumBuckets else {
            throw SkillMetricsError.invalidInput(
                location: "--window", reason: "\(count) \(bucket.rawValue) buckets; at most \(Timeline.maximumBuckets) (use a larger --bucket)")
        }
        var buckets = (0..<count).map { index in
            Timeline.Bucket(
                start: Timestamp(microsecondsSinceEpoch: firstBucket.microsecondsSinceEpoch + Int64(index) * bucket.microseconds),
                invocations: 0, completed: 0, abandoned: 0, avgDurationSeconds: nil)
        }
        var durationSums = Array(repeating: 0.0, count: count)
        var durationCounts = Array(repeating: 0, count: count)
        try timed("timeline(skill:windowMicroseconds:bucket:end:)") {
            try read { db in
                var sql = """
                    SELECT invoked_at, completed, duration_seconds FROM skill_invocation
                    WHERE finished = 1 AND invoked_at >= ? AND invoked_at < ?
                    """
                var arguments: StatementArguments = [start.canonical, end.canonical]
                if let skill {
                    sql += " AND skill_name = ?"
                    arguments += [skill]
                }
                let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                while let row = try cursor.next() {
                    let text: String = row[0]
                    guard let instant = Timestamp.parseCanonical(text) else { continue }
                    let index = Int((instant.microsecondsSinceEpoch - firstBucket.microsecondsSinceEpoch) / bucket.microseconds)
                    guard buckets.indices.contains(index) else { continue }
                    buckets[index].invocations += 1
                    if (row[1] as Int64) != 0 {
                        buckets[index].completed += 1
                        if let duration: Double = row[2] {
                            durationSums[index] += duration
                            durationCounts[index] += 1
                        }
                    } else {
                        buckets[index].abandoned += 1
                    }
                }
            }
        }
        for index in buckets.indices where durationCounts[index] > 0 {
            buckets[index].avgDurationSeconds = durationSums[index] / Double(durationCounts[index])
        }
        return Timeline(skill: skill, start: start, end: end, bucketSize: bucket, buckets: buckets)
    }

    /// Full-text search over skill names and workflow paths (FTS5, schema V2).
    ///
    /// Every whitespace-separated word of `text` must occur (case-insensitively) in the skill
    /// name or the workflow path. Words are matched as literal substrings: quotes, operators,
    /// brackets and non-ASCII text never cause a syntax error. Words of three or more
    /// characters use the trigram index; shorter ones are checked directly. Returns the
    /// matching (skill, path) pairs, most invoked first; an empty query matches nothing.
    public func searchWorkflowPaths(_ text: String, limit: Int = 100) throws -> [WorkflowPathMatch] {
        let words = text.split(whereSeparator: { $0.isWhitespace || $0 == "\u{0}" }).map(String.init)
        guard !words.isEmpty, limit > 0 else { return [] }
        let indexed = words.filter { $0.unicodeScalars.count >= 3 }
        let short = words.filter { $0.unicodeScalars.count < 3 }
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if !indexed.isEmpty {
            conditions.append("p.id IN (SELECT rowid FROM skill_workflow_path_fts WHERE skill_workflow_path_fts MATCH ?)")
            arguments += [Self.ftsQuery(indexed)]
        }
        for word in short {
            conditions.append("(instr(lower(p.skill_name), lower(?)) > 0 OR instr(lower(p.workflow_path), lower(?)) > 0)")
            arguments += [word, word]
        }
        arguments += [limit]
        let sql = """
            SELECT p.skill_name, p.workflow_path, p.invocation_count, p.completed_count, p.total_duration_seconds
            FROM skill_workflow_path AS p
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY p.invocation_count DESC, p.id
            LIMIT ?
            """
        return try timed("searchWorkflowPaths(_:)") {
            try read { db in
                guard try db.tableExists("skill_workflow_path") else {
                    throw SkillMetricsError.database(
                        operation: "searching", message: "the database is at schema version 1; run `skill-metrics migrate`")
                }
                return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    let path: String = row[1]
                    let completed: Int = row[3]
                    let total: Double = row[4]
                    return WorkflowPathMatch(
                        skillName: row[0], workflowPath: path.isEmpty ? nil : path,
                        invocationCount: row[2], completedCount: completed,
                        avgDurationSeconds: completed == 0 ? 0.0 : total / Double(completed))
                }
            }
        }
    }

    /// An FTS5 query that matches every word literally: each word an FTS5 string (`"…"`, with
    /// `"` doubled), joined by AND.
    static func ftsQuery(_ words: [String]) -> String {
        words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " AND ")
    }
}
