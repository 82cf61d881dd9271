/// One field on which the database's projections and a legacy file's aggregates disagree.
public struct LegacyFieldDifference: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        /// Explained by completions that share an instant (their true order is ambiguous).
        case warning
        /// A real disagreement.
        case mismatch
    }

    /// The skill, or nil for document-level fields (the skills' order).
    public var skill: String?
    /// The legacy field name (`total_duration_seconds`, `workflow_paths`, `(order)`, `(row)`).
    public var field: String
    /// The file's value, rendered.
    public var legacy: String
    /// The database's value, rendered.
    public var database: String
    /// For floats: the distance in units in the last place.
    public var ulps: UInt64?
    public var severity: Severity

    public var description: String {
        let where_ = skill.map { "skill \(JSONWriter.quoted($0))" } ?? "skills"
        var text = "\(severity.rawValue): \(where_): \(field): file \(legacy), database \(database)"
        if let ulps { text += " (\(ulps) ULP\(ulps == 1 ? "" : "s"))" }
        return text
    }

    /// The difference as a JSON object (for `--json`).
    public var json: JSONObject {
        JSONObject([
            ("severity", .string(severity.rawValue)),
            ("skill", .optionalString(skill)),
            ("field", .string(field)),
            ("legacy", .string(legacy)),
            ("database", .string(database)),
            ("ulps", ulps.map { .int(Int(clamping: $0)) } ?? .null),
        ])
    }

    /// The distance between two finite doubles in units in the last place.
    public static func ulps(_ a: Double, _ b: Double) -> UInt64 {
        func ordered(_ value: Double) -> Int64 {
            let bits = Int64(bitPattern: value.bitPattern)
            return bits < 0 ? Int64.min &- bits : bits
        }
        let x = ordered(a)
        let y = ordered(b)
        return x >= y ? UInt64(bitPattern: x &- y) : UInt64(bitPattern: y &- x)
    }
}
