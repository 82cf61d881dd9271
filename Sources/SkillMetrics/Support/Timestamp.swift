import Foundation

/// An instant with microsecond precision, stored as microseconds since the Unix epoch (UTC).
///
/// Its canonical text, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, is what `skill_invocation.invoked_at`
/// holds: fixed width (27 characters), always UTC, lexically sortable. Years 0001–9999.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microsecondsSinceEpoch: Int64

    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    /// The current time, truncated to the microsecond.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microsecondsSinceEpoch: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    /// The earliest and latest instants with a canonical form.
    static let minimum = Timestamp(microsecondsSinceEpoch: -62_135_596_800_000_000)  // 0001-01-01
    static let maximum = Timestamp(microsecondsSinceEpoch: 253_402_300_799_999_999)  // 9999-12-31T23:59:59.999999

    /// The canonical text: `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    ///
    /// Written straight into its 27 bytes: the append path formats one per event.
    public var canonical: String {
        let fields = LocalDateTime(utcMicroseconds: microsecondsSinceEpoch)
        guard (1...9999).contains(fields.year) else { return fields.text(fractionDigits: 6) + "Z" }
        return String(unsafeUninitializedCapacity: 27) { buffer in
            func digits(_ value: Int, _ width: Int, at offset: Int) {
                var rest = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[index] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                    rest /= 10
                }
            }
            digits(fields.year, 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            digits(fields.month, 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            digits(fields.day, 2, at: 8)
            buffer[10] = UInt8(ascii: "T")
            digits(fields.hour, 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            digits(fields.minute, 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            digits(fields.second, 2, at: 17)
            buffer[19] = UInt8(ascii: ".")
            digits(fields.microsecond, 6, at: 20)
            buffer[26] = UInt8(ascii: "Z")
            return 27
        }
    }

    public var description: String { canonical }

    /// Seconds (with fraction) since the epoch.
    public var secondsSinceEpoch: Double { Double(microsecondsSinceEpoch) / 1_000_000 }

    /// Errors from ``parse(_:)``.
    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case invalid(String, reason: String)

        public var description: String {
            switch self {
            case .invalid(let text, let reason):
                "invalid timestamp \"\(text.prefix(64))\": \(reason)"
            }
        }
    }

    /// Parses ISO-8601 text that names its zone: `YYYY-MM-DDTHH:MM:SS[.f…]` followed by `Z` or
    /// `±HH:MM` (`±HHMM` and `±HH` accepted). At most 6 fraction digits (microseconds).
    public static func parse(_ text: String) throws(ParseError) -> Timestamp {
        let bytes = Array(text.utf8)
        guard let (local, end) = LocalDateTime.parsePrefix(bytes) else {
            throw .invalid(text, reason: "expected YYYY-MM-DDTHH:MM:SS[.ffffff] followed by Z or an offset such as +02:00")
        }
        let rest = bytes[end...]
        let offsetSeconds: Int64
        if rest.count == 1 && (rest.first == UInt8(ascii: "Z") || rest.first == UInt8(ascii: "z")) {
            offsetSeconds = 0
        } else if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            let digits = rest.dropFirst().filter { $0 != UInt8(ascii: ":") }
            let colonCount = rest.dropFirst().count - digits.count
            guard (digits.count == 4 && colonCount <= 1) || (digits.count == 2 && colonCount == 0),
                  digits.allSatisfy({ $0 >= 48 && $0 <= 57 })
            else {
                throw .invalid(text, reason: "malformed UTC offset (expected ±HH:MM)")
            }
            let values = digits.map { Int64($0 - 48) }
            let hours = values[0] * 10 + values[1]
            let minutes = values.count == 4 ? values[2] * 10 + values[3] : 0
            guard hours <= 23, minutes <= 59 else {
                throw .invalid(text, reason: "UTC offset out of range")
            }
            offsetSeconds = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        } else if rest.isEmpty {
            throw .invalid(text, reason: "no time zone: add Z (UTC) or an offset such as +02:00")
        } else {
            throw .invalid(text, reason: "unexpected text after the time (expected Z or an offset such as +02:00)")
        }
        let timestamp = Timestamp(microsecondsSinceEpoch: local.microsecondsAsUTC - offsetSeconds * 1_000_000)
        guard timestamp >= minimum, timestamp <= maximum else {
            throw .invalid(text, reason: "outside years 0001–9999 once converted to UTC")
        }
        return timestamp
    }

    /// Parses the canonical form only (as stored in the database).
    public static func parseCanonical(_ text: String) -> Timestamp? {
        guard text.utf8.count == 27, text.utf8.last == UInt8(ascii: "Z") else { return nil }
        return try? parse(text)
    }
}

/// A wall-clock date and time without a zone (Python's naive `datetime`), microsecond precision.
public struct LocalDateTime: Sendable, Hashable, Comparable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var microsecond: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
    }

    /// The wall-clock fields of a UTC instant.
    public init(utcMicroseconds: Int64) {
        let (days, dayMicros) = utcMicroseconds.floorDivided(by: 86_400_000_000)
        let (y, m, d) = LocalDateTime.civil(fromDays: days)
        year = y
        month = m
        day = d
        let seconds = Int(dayMicros / 1_000_000)
        hour = seconds / 3600
        minute = seconds / 60 % 60
        second = seconds % 60
        microsecond = Int(dayMicros % 1_000_000)
    }

    /// These fields read as UTC: microseconds since the epoch.
    public var microsecondsAsUTC: Int64 {
        let days = Int64(LocalDateTime.days(fromCivil: year, month, day))
        return ((days * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1_000_000) + Int64(microsecond)
    }

    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool {
        lhs.microsecondsAsUTC < rhs.microsecondsAsUTC
    }

    /// `YYYY-MM-DDTHH:MM:SS` plus `.` and `fractionDigits` digits of the microseconds
    /// (none when `fractionDigits` is 0).
    public func text(fractionDigits: Int) -> String {
        var out = LocalDateTime.pad(year, 4) + "-" + LocalDateTime.pad(month, 2) + "-" + LocalDateTime.pad(day, 2)
        out += "T" + LocalDateTime.pad(hour, 2) + ":" + LocalDateTime.pad(minute, 2) + ":" + LocalDateTime.pad(second, 2)
        if fractionDigits > 0 {
            out += "." + String(LocalDateTime.pad(microsecond, 6).prefix(fractionDigits))
        }
        return out
    }

    /// Python's `datetime.isoformat()`: the `.ffffff` part only when microseconds are non-zero.
    public var pythonISOFormat: String {
        text(fractionDigits: microsecond == 0 ? 0 : 6)
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SS[.f{1,6}]` with nothing after it.
    public static func parse(_ text: String) -> LocalDateTime? {
        let bytes = Array(text.utf8)
        guard let (value, end) = parsePrefix(bytes), end == bytes.count else { return nil }
        return value
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.f{1,6}]` at the start of `bytes`; returns the fields and
    /// the index after them. Validates the calendar (no February 30th, no hour 24).
    static func parsePrefix(_ bytes: [UInt8]) -> (LocalDateTime, Int)? {
        guard bytes.count >= 19 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var end = 19
        var microsecond = 0
        if end < bytes.count && bytes[end] == UInt8(ascii: ".") {
            var digits = 0
            end += 1
            while end < bytes.count, bytes[end] >= 48, bytes[end] <= 57 {
                guard digits < 6 else { return nil }  // finer than a microsecond
                microsecond = microsecond * 10 + Int(bytes[end] - 48)
                digits += 1
                end += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<6 { microsecond *= 10 }
        }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysInMonth(year, month),
              hour <= 23, minute <= 59, second <= 59
        else { return nil }
        return (LocalDateTime(year: year, month: month, day: day, hour: hour, minute: minute,
                              second: second, microsecond: microsecond), end)
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    /// Floor division and the matching non-negative remainder.
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = self / divisor
        var remainder = self % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }
}

extension Timestamp {
    /// This time as `recorded_at`'s DEFAULT writes it (`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`:
    /// UTC, milliseconds, truncated as SQLite's clock is). The bulk paths bind it once per
    /// statement or batch instead of having SQLite compute it for every row (~0.6 µs a row);
    /// the rows of one statement share SQLite's 'now' anyway.
    package var recordedAtText: String {
        let milliseconds = microsecondsSinceEpoch - ((microsecondsSinceEpoch % 1_000) + 1_000) % 1_000
        let canonical = Timestamp(microsecondsSinceEpoch: milliseconds).canonical  // …SS.ffffffZ
        return String(canonical.dropLast(4)) + "Z"
    }
}
