/// A JSON value that keeps what Foundation's JSON types lose: object key order, the literal
/// text of numbers (so `1` and `1.0` stay distinct), and exact strings.
///
/// SkillMetrics reads legacy files and JSONL events with ``JSONParser`` and writes JSON with
/// ``JSONWriter``; both need key order and number text to be byte-exact.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Convenience for a floating-point number, written the way Python's `repr` writes it.
    public static func double(_ value: Double) -> JSONValue {
        .number(JSONNumber(double: value))
    }

    /// Convenience for an integer.
    public static func int(_ value: Int) -> JSONValue {
        .number(JSONNumber(int: value))
    }

    /// Convenience for an optional string (`null` when nil).
    public static func optionalString(_ value: String?) -> JSONValue {
        value.map(JSONValue.string) ?? .null
    }

    /// The first number JSON cannot hold (NaN or an infinity: a double that overflowed) with
    /// its JSON path, or nil when there is none; `root` names the value itself. The walk
    /// builds no path text unless it finds one.
    public func firstNonFiniteNumber(root: String = "$") -> (path: String, literal: String)? {
        var reversedPath: [String] = []
        guard let literal = Self.nonFiniteLiteral(in: self, reversedPath: &reversedPath) else { return nil }
        return (root + reversedPath.reversed().joined(), literal)
    }

    /// The literal of the first non-finite number in `value`; on the way back out, each level
    /// appends its subscript to `reversedPath`.
    private static func nonFiniteLiteral(in value: JSONValue, reversedPath: inout [String]) -> String? {
        switch value {
        case .number(let number):
            return number.doubleValue.isFinite || number.isIntegerLiteral ? nil : number.literal
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if let literal = nonFiniteLiteral(in: element, reversedPath: &reversedPath) {
                    reversedPath.append("[\(index)]")
                    return literal
                }
            }
            return nil
        case .object(let object):
            for member in object.members {
                if let literal = nonFiniteLiteral(in: member.value, reversedPath: &reversedPath) {
                    reversedPath.append("[\(JSONWriter.quoted(member.key))]")
                    return literal
                }
            }
            return nil
        case .null, .bool, .string:
            return nil
        }
    }

    /// Throws ``SkillMetricsError/unrepresentableNumber(path:value:)`` naming the first number
    /// JSON cannot hold; writers call it before writing anything.
    public func requireFiniteNumbers(root: String = "$") throws(SkillMetricsError) {
        if let found = firstNonFiniteNumber(root: root) {
            throw .unrepresentableNumber(path: found.path, value: found.literal)
        }
    }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON number with its literal text.
public struct JSONNumber: Sendable, Equatable {
    /// The number as written (or as it will be written).
    public let literal: String
    /// The value as a double (correctly rounded from the literal).
    public let doubleValue: Double
    /// True when the literal has neither a fraction nor an exponent.
    public let isIntegerLiteral: Bool

    /// A number from already-validated literal text.
    init(validatedLiteral literal: String, doubleValue: Double) {
        self.literal = literal
        self.doubleValue = doubleValue
        self.isIntegerLiteral = !literal.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
    }

    /// A floating-point number written as Python's `repr` writes it. Must be finite.
    public init(double: Double) {
        self.literal = PythonFloatFormatter.repr(double)
        self.doubleValue = double
        self.isIntegerLiteral = false
    }

    /// An integer.
    public init(int: Int) {
        self.literal = String(int)
        self.doubleValue = Double(int)
        self.isIntegerLiteral = true
    }

    /// The value as an `Int` when the literal is an integer that fits.
    public var intValue: Int? {
        isIntegerLiteral ? Int(literal) : nil
    }
}

/// A JSON object: key/value pairs in document order.
public struct JSONObject: Sendable, Equatable {
    /// The members in order. Duplicate keys are rejected by the parser.
    public private(set) var members: [(key: String, value: JSONValue)]

    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members
    }

    /// The value for a key, or nil when the key is absent.
    public subscript(key: String) -> JSONValue? {
        for member in members where member.key == key {
            return member.value
        }
        return nil
    }

    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    /// Appends a member (the caller keeps keys unique).
    public mutating func append(_ key: String, _ value: JSONValue) {
        members.append((key, value))
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
