import Foundation
import GRDB

/// One field on which a stored projection and the projectors' recomputation disagree.
public struct ProjectionDifference: Sendable, Equatable, CustomStringConvertible {
    /// `skill_metrics` or `session_skill`.
    public var table: String
    /// The row: the skill name, or the session id and skill name.
    public var key: [String]
    /// The column, or `(row)` when the whole row is missing on one side.
    public var field: String
    /// The stored value, rendered (`(missing)` when the row is absent).
    public var stored: String
    /// The recomputed value, rendered (`(missing)` when the row should not exist).
    public var recomputed: String

    public var description: String {
        let keyText = key.map(JSONWriter.quoted).joined(separator: " × ")
        return "\(table) \(keyText): \(field): stored \(stored), recomputed \(recomputed)"
    }

    /// The difference as a JSON object (for `--json`).
    public var json: JSONObject {
        JSONObject([
            ("table", .string(table)),
            ("key", .array(key.map(JSONValue.string))),
            ("field", .string(field)),
            ("stored", .string(stored)),
            ("recomputed", .string(recomputed)),
        ])
    }

    /// Renders a database value: numbers as Python would print them, strings quoted.
    static func render(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: return "NULL"
        case .int64(let int): return String(int)
        case .double(let double): return PythonFloatFormatter.repr(double)
        case .string(let text): return JSONWriter.quoted(text)
        case .blob(let data): return "x'" + data.map { String(format: "%02x", $0) }.joined() + "'"
        }
    }

    /// Bit-for-bit equality: same storage class, same bytes (doubles by bit pattern).
    static func identical(_ lhs: DatabaseValue, _ rhs: DatabaseValue) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.null, .null): return true
        case (.int64(let a), .int64(let b)): return a == b
        case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.blob(let a), .blob(let b)): return a == b
        default: return false
        }
    }
}
