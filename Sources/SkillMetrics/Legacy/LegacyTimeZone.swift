import Foundation

/// The zone a crackerjack file's naive local times were written in.
///
/// The file does not say which zone "local" meant, so the importer is told (`--timezone`,
/// default the machine's zone). Converting a wall-clock time follows Python's `fold=0`: a
/// time inside a DST overlap is its first occurrence, a time inside a DST gap uses the offset
/// in effect before the gap. Import keeps the original text anyway, so export never depends on
/// this choice for imported invocations.
public struct LegacyTimeZone: Sendable, Equatable {
    public let timeZone: TimeZone

    /// The zone's identifier as given (`Europe/Berlin`, `UTC`), or the machine zone's.
    public let identifier: String

    /// `identifier` nil: the machine's zone. An unknown identifier is an input error.
    public init(identifier: String?) throws {
        guard let identifier else {
            timeZone = TimeZone.current
            self.identifier = TimeZone.current.identifier
            return
        }
        guard let zone = TimeZone(identifier: identifier) else {
            throw SkillMetricsError.invalidInput(location: "--timezone", reason: "unknown time zone \(JSONWriter.quoted(identifier)) (expected an IANA name such as Europe/Berlin or UTC)")
        }
        timeZone = zone
        self.identifier = identifier
    }

    public init(_ timeZone: TimeZone) {
        self.timeZone = timeZone
        self.identifier = timeZone.identifier
    }

    /// UTC offset in seconds at a UTC instant given in whole seconds.
    private func offset(atUTCSeconds seconds: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
    }

    /// The UTC instant of a wall-clock time in this zone (`fold=0` rules above).
    public func utc(from local: LocalDateTime) -> Timestamp {
        let localMicros = local.microsecondsAsUTC
        let localSeconds = localMicros.floorDivided(by: 1_000_000).quotient
        let before = offset(atUTCSeconds: localSeconds - 86_400)
        let after = offset(atUTCSeconds: localSeconds + 86_400)
        var valid: [Int64] = []
        for candidate in Set([before, after]) where offset(atUTCSeconds: localSeconds - candidate) == candidate {
            valid.append(candidate)
        }
        let chosen: Int64
        if let largest = valid.max() {
            chosen = largest  // overlap: the earlier instant (first occurrence)
        } else {
            chosen = before  // gap: the offset before the transition
        }
        return Timestamp(microsecondsSinceEpoch: localMicros - chosen * 1_000_000)
    }

    /// The wall-clock time of a UTC instant in this zone.
    public func local(from timestamp: Timestamp) -> LocalDateTime {
        let seconds = timestamp.microsecondsSinceEpoch.floorDivided(by: 1_000_000).quotient
        return LocalDateTime(utcMicroseconds: timestamp.microsecondsSinceEpoch + offset(atUTCSeconds: seconds) * 1_000_000)
    }
}
