import GRDB

/// Invocations per time bucket (`timeline`): one pass over the events of a window, read
/// through the `invoked_at` index.
public struct TimelineQuery: Sendable {
    /// The store to read.
    public let store: SkillMetricsStore

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// Invocations per bucket over `[end - window, end)`, for one skill or all (nil).
    ///
    /// - Parameters:
    ///   - skill: only this skill's invocations; nil for all skills.
    ///   - window: length of the window in microseconds (see ``Timeline/parseWindow(_:)``).
    ///   - bucket: the bucket size (UTC hours, days, or weeks starting on Monday).
    ///   - end: end of the window (exclusive); pass a fixed instant for reproducible output.
    /// - Throws: ``SkillMetricsError/invalidInput(location:reason:)`` when the window would
    ///   hold more than ``Timeline/maximumBuckets`` buckets.
    public func run(
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
        try store.timed("timeline(skill:windowMicroseconds:bucket:end:)") {
            try store.read { db in
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
                    guard let text = try row.decode(String?.self, atIndex: 0),
                          let instant = Timestamp.parseCanonical(text) else { continue }
                    let index = Int((instant.microsecondsSinceEpoch - firstBucket.microsecondsSinceEpoch) / bucket.microseconds)
                    guard buckets.indices.contains(index) else { continue }
                    buckets[index].invocations += 1
                    if try row.decode(Int64.self, atIndex: 1) != 0 {
                        buckets[index].completed += 1
                        if let duration = try row.decode(Double?.self, atIndex: 2) {
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
}
