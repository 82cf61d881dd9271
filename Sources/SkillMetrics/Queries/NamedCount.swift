/// A name with a count: one `[name, count]` pair of a ranked list.
///
/// The legacy summary's `skills_by_usage` (a skill and its total invocations) and the
/// materialised summary's top lists (an error type or workflow path and how often it occurred)
/// are lists of these, written in JSON as two-element arrays.
public struct NamedCount: Sendable, Equatable {
    public var name: String
    public var count: Int

    public init(name: String, count: Int) {
        self.name = name
        self.count = count
    }

    /// `[[name, count], …]`, the form the legacy tracker and `skill_metrics_summary` store.
    public static func jsonArray(_ list: [NamedCount]) -> JSONValue {
        .array(list.map { .array([.string($0.name), .int($0.count)]) })
    }

    /// Parses a stored `[[name, count], …]` list; `location` names the table and column in
    /// the error a malformed list gets.
    static func list(json text: String, location: String) throws -> [NamedCount] {
        guard case .array(let items) = try? JSONParser().parse(text) else {
            throw SkillMetricsError.invalidInput(location: location, reason: "not a JSON array")
        }
        return try items.map { item in
            guard case .array(let pair) = item, pair.count == 2, case .string(let name) = pair[0],
                  case .number(let number) = pair[1], let count = number.intValue
            else {
                throw SkillMetricsError.invalidInput(location: location, reason: "not a [name, count] pair")
            }
            return NamedCount(name: name, count: count)
        }
    }
}
