import Foundation

/// Invocations per UTC time bucket over a window (`timeline`).
///
/// The window is `[start, end)`; every bucket that overlaps it is present, empty ones with
/// zeros, so the buckets' counts add up to the events in the window. Buckets are aligned in
/// UTC: hours on the hour, days at midnight, weeks on Monday midnight. Only finished events
/// count (as in every projection), by their `invoked_at`.
public struct Timeline: Sendable, Equatable {
    /// Bucket sizes.
    public enum BucketSize: String, Sendable, CaseIterable {
        case hour, day, week

        /// Length in microseconds.
        var microseconds: Int64 {
            switch self {
            case .hour: 3_600_000_000
            case .day: 86_400_000_000
            case .week: 604_800_000_000
            }
        }

        /// The start of the bucket holding `instant`.
        func floor(_ instant: Timestamp) -> Timestamp {
            // 1970-01-05 was a Monday: weeks are counted from there.
            let origin: Int64 = self == .week ? 4 * 86_400_000_000 : 0
            let shifted = instant.microsecondsSinceEpoch - origin
            var quotient = shifted / microseconds
            if shifted % microseconds < 0 { quotient -= 1 }
            return Timestamp(microsecondsSinceEpoch: quotient * microseconds + origin)
        }
    }

    /// One bucket.
    public struct Bucket: Sendable, Equatable {
        /// Start of the bucket (UTC).
        public var start: Timestamp
        public var invocations: Int
        public var completed: Int
        public var abandoned: Int
        /// Mean duration of the completed events that have one; nil when none.
        public var avgDurationSeconds: Double?
    }

    /// The skill, or nil for all skills.
    public var skill: String?
    public var start: Timestamp
    public var end: Timestamp
    public var bucketSize: BucketSize
    public var buckets: [Bucket]

    /// Largest number of buckets a timeline may have.
    public static let maximumBuckets = 100_000

    /// Parses a window length such as `7 days`, `24 hours`, `90 minutes`, `2 weeks`, `7d`,
    /// `12h`, `30m`, `1w`; returns microseconds.
    public static func parseWindow(_ text: String) throws(SkillMetricsError) -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let units: [String: Int64] = [
            "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
            "h": 3_600, "hour": 3_600, "hours": 3_600,
            "d": 86_400, "day": 86_400, "days": 86_400,
            "w": 604_800, "week": 604_800, "weeks": 604_800,
        ]
        guard let count = Int64(digits), count > 0, let seconds = units[unit] else {
            throw .invalidInput(location: "--window", reason: "expected a length such as \"7 days\", \"24 hours\" or \"2 weeks\", got \(JSONWriter.quoted(text))")
        }
        let (product, overflow) = count.multipliedReportingOverflow(by: seconds * 1_000_000)
        guard !overflow, product <= 400 * 365 * 86_400 * 1_000_000 else {
            throw .invalidInput(location: "--window", reason: "window too long: \(JSONWriter.quoted(text))")
        }
        return product
    }
}
