/// An event's `invoked_at` as the fold keeps it: one integer instead of a 27-byte `String`, so
/// that folding an event allocates nothing for its timestamp and a `session_skill` row holds
/// two integers where it held two heap strings.
///
/// A text of the canonical shape `YYYY-MM-DDTHH:MM:SS.ffffffZ` (the one schema V1's CHECK
/// admits) is packed field by field into a non-negative value and formatted back byte for
/// byte. Any other text — a foreign or altered file can hold one — is kept in the fold's
/// ``FoldVocabulary`` and stored as `-1 - id`, so every text round-trips exactly.
struct EventTime: Sendable, Equatable {
    let raw: Int64

    /// The packed form of canonical bytes, or nil when they are not of that shape.
    ///
    /// The fields, low bits first: microseconds (20 bits, 0…999,999), second and minute (6 bits,
    /// 0…59), hour (5 bits, 0…29), day (6 bits, 0…39), month (5 bits, 0…19), year (14 bits,
    /// 0…9,999): 62 bits in all. Each field is its digits' value, so any digits of the canonical
    /// shape (not only valid dates) pack and unpack exactly; a value too large for its bits
    /// (a second of 64, say) is not packed.
    fileprivate static func pack(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard bytes.count == 27,
            bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."),
            bytes[26] == UInt8(ascii: "Z")
        else { return nil }
        @inline(__always) func number(_ offset: Int, _ digits: Int, below limit: Int64) -> Int64? {
            var value: Int64 = 0
            for index in offset..<(offset + digits) {
                let digit = Int64(bytes[index]) &- 48
                guard digit >= 0, digit <= 9 else { return nil }
                value = value &* 10 &+ digit
            }
            return value < limit ? value : nil
        }
        guard let micros = number(20, 6, below: 1 << 20), let second = number(17, 2, below: 1 << 6),
            let minute = number(14, 2, below: 1 << 6), let hour = number(11, 2, below: 1 << 5),
            let day = number(8, 2, below: 1 << 6), let month = number(5, 2, below: 1 << 5),
            let year = number(0, 4, below: 1 << 14)
        else { return nil }
        return micros | second << 20 | minute << 26 | hour << 32 | day << 37 | month << 43 | year << 48
    }

    /// Writes the canonical text of a packed value into `buffer` (27 bytes).
    fileprivate static func unpack(_ packed: Int64, into buffer: UnsafeMutableBufferPointer<UInt8>) {
        @inline(__always) func put(_ value: Int64, _ offset: Int, _ digits: Int) {
            var value = value
            var index = offset + digits - 1
            while index >= offset {
                buffer[index] = UInt8(truncatingIfNeeded: 48 &+ value % 10)
                value /= 10
                index -= 1
            }
        }
        put(packed >> 48 & 0x3FFF, 0, 4)
        buffer[4] = UInt8(ascii: "-")
        put(packed >> 43 & 0x1F, 5, 2)
        buffer[7] = UInt8(ascii: "-")
        put(packed >> 37 & 0x3F, 8, 2)
        buffer[10] = UInt8(ascii: "T")
        put(packed >> 32 & 0x1F, 11, 2)
        buffer[13] = UInt8(ascii: ":")
        put(packed >> 26 & 0x3F, 14, 2)
        buffer[16] = UInt8(ascii: ":")
        put(packed >> 20 & 0x3F, 17, 2)
        buffer[19] = UInt8(ascii: ".")
        put(packed & 0xF_FFFF, 20, 6)
        buffer[26] = UInt8(ascii: "Z")
    }
}

extension FoldVocabulary {
    /// The fold's form of the timestamp whose UTF-8 bytes are `bytes`.
    mutating func time(bytes: UnsafeBufferPointer<UInt8>) -> EventTime {
        if let packed = EventTime.pack(bytes) { return EventTime(raw: packed) }
        return EventTime(raw: -1 - Int64(id(bytes: bytes)))
    }

    /// The fold's form of `text`.
    mutating func time(_ text: String) -> EventTime {
        var utf8 = text
        return utf8.withUTF8 { bytes in
            if let packed = EventTime.pack(bytes) { return EventTime(raw: packed) }
            return EventTime(raw: -1 - Int64(id(text)))
        }
    }

    /// The text `time` was made from.
    subscript(time: EventTime) -> String {
        withBytes(of: time) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the UTF-8 bytes of the text `time` was made from (valid during the call).
    func withBytes<R>(of time: EventTime, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        guard time.raw >= 0 else { return try withBytes(of: Int(-1 - time.raw), body) }
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 27) { buffer in
            EventTime.unpack(time.raw, into: buffer)
            return try body(UnsafeBufferPointer(buffer))
        }
    }
}
