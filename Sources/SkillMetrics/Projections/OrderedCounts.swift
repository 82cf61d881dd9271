/// A `{key: count}` dictionary that keeps keys in order of first appearance, as the legacy
/// tracker's Python dicts do.
public struct OrderedCounts: Sendable, Equatable {
    /// Keys and counts in order of first appearance.
    public private(set) var entries: [(key: String, count: Int)] = []
    /// Keys compare by their bytes, as SQLite and the legacy tracker's Python dicts compare them.
    private var positions: [ExactText: Int] = [:]

    public init() {}

    public init(_ entries: [(key: String, count: Int)]) {
        for entry in entries { add(entry.key, count: entry.count) }
    }

    /// Adds `count` to `key`, appending the key if it is new.
    public mutating func add(_ key: String, count: Int = 1) {
        if let position = positions[ExactText(key)] {
            entries[position].count += count
        } else {
            positions[ExactText(key)] = entries.count
            entries.append((key, count))
        }
    }

    /// Adds `count` to `key` as ``add(_:count:)`` does, unless the sum does not fit in an `Int`:
    /// then nothing changes and the result is false. For counts read from outside (a file, a
    /// stored row), which may be anything; ``add(_:count:)`` is for folds that count one at a time.
    public mutating func addIfRepresentable(_ key: String, count: Int) -> Bool {
        guard let position = positions[ExactText(key)] else {
            positions[ExactText(key)] = entries.count
            entries.append((key, count))
            return true
        }
        let (sum, overflow) = entries[position].count.addingReportingOverflow(count)
        guard !overflow else { return false }
        entries[position].count = sum
        return true
    }

    /// The error for a key whose counts over all skills do not fit in an `Int`.
    static func sumOverflow(field: String, key: String) -> SkillMetricsError {
        .invalidStoredValue(
            table: "skill_metrics", column: field, row: "key \(JSONWriter.quoted(key))",
            reason: "its counts over the skills add up past \(Int.max)")
    }

    public subscript(key: String) -> Int? {
        positions[ExactText(key)].map { entries[$0].count }
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// The JSON object text exactly as SQLite's `json_group_object` writes it.
    public var sqliteJSON: String {
        JSONWriter(style: .compact).string(jsonValue)
    }

    /// The dictionary as an ordered JSON object.
    public var jsonValue: JSONValue {
        .object(JSONObject(entries.map { ($0.key, JSONValue.int($0.count)) }))
    }

    /// Parses `{"key": count, …}` (as stored in a projection column). Nil when malformed.
    ///
    /// Keys are told apart by their bytes: `"caf\u{E9}"` and `"cafe\u{301}"` are two keys, as
    /// they are to SQLite and to the legacy tracker's Python dicts. The compact form SQLite's
    /// `json_group_object` writes is read straight from the bytes; anything else (whitespace,
    /// escapes, other numbers) goes through ``JSONParser``, which decides.
    public init?(json text: String) {
        var text = text
        if let counts = text.withUTF8({ Self.compact($0) }) {
            self = counts
            return
        }
        guard case .object(let object) = try? JSONParser().parse(text) else { return nil }
        for member in object.members {
            guard case .number(let number) = member.value, let count = number.intValue else { return nil }
            add(member.key, count: count)
        }
    }

    /// `{"key":count,…}` with no whitespace, keys without escapes or control characters, and
    /// counts of 1–18 digits without a leading zero; nil for anything else (including a
    /// repeated key, which ``JSONParser`` refuses).
    private static func compact(_ bytes: UnsafeBufferPointer<UInt8>) -> OrderedCounts? {
        let quote = UInt8(ascii: "\""), end = bytes.count
        guard end >= 2, bytes[0] == UInt8(ascii: "{") else { return nil }
        var counts = OrderedCounts()
        if bytes[1] == UInt8(ascii: "}") { return end == 2 ? counts : nil }
        // Room for the keys at once: each member has a colon, so their number bounds the keys
        // (a colon inside a key only over-reserves; capped, so that a stored text full of
        // colons cannot reserve many times its size). Growing the key index step by step
        // re-hashed every key so far at each doubling.
        var room = 0
        for byte in bytes where byte == UInt8(ascii: ":") {
            room += 1
            if room == 4096 { break }
        }
        counts.entries.reserveCapacity(room)
        counts.positions.reserveCapacity(room)
        var index = 1
        while true {
            guard index < end, bytes[index] == quote else { return nil }
            index += 1
            let keyStart = index
            while index < end, bytes[index] != quote {
                if bytes[index] == UInt8(ascii: "\\") || bytes[index] < 0x20 { return nil }
                index += 1
            }
            guard index < end else { return nil }
            // Valid UTF-8: the bytes of a String, cut at ASCII quotes.
            let key = String(decoding: UnsafeBufferPointer(rebasing: bytes[keyStart..<index]), as: UTF8.self)
            index += 1
            guard index < end, bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            let digitsStart = index
            var value = 0
            while index < end, bytes[index] &- UInt8(ascii: "0") < 10 {
                value = value &* 10 &+ Int(bytes[index] &- UInt8(ascii: "0"))
                index += 1
            }
            let digits = index - digitsStart
            guard digits >= 1, digits <= 18, digits == 1 || bytes[digitsStart] != UInt8(ascii: "0") else { return nil }
            if counts.positions.updateValue(counts.entries.count, forKey: ExactText(key)) != nil { return nil }
            counts.entries.append((key, value))
            guard index < end else { return nil }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else {
                return bytes[index] == UInt8(ascii: "}") && index + 1 == end ? counts : nil
            }
        }
    }

    public static func == (lhs: OrderedCounts, rhs: OrderedCounts) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { ExactText($0.key) == ExactText($1.key) && $0.count == $1.count }
    }
}
