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
    public init?(json text: String) {
        guard case .object(let object) = try? JSONParser().parse(text) else { return nil }
        for member in object.members {
            guard case .number(let number) = member.value, let count = number.intValue else { return nil }
            add(member.key, count: count)
        }
    }

    public static func == (lhs: OrderedCounts, rhs: OrderedCounts) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { ExactText($0.key) == ExactText($1.key) && $0.count == $1.count }
    }
}
