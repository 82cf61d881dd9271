/// `--db PATH` and `--migrations-dir DIR` given before the subcommand.
///
/// argument-parser has no options that a root command passes down to its subcommands, so
/// `SkillMetricsMain` rewrites the arguments before parsing: the store options that come
/// before the first subcommand name (`skill-metrics --db x.db list`) are moved to the end
/// of the arguments (before a `--` terminator, if any), where the subcommand's own
/// ``StoreOptions`` parses them (`skill-metrics list --db x.db`), so both places mean exactly
/// the same. The same option given both before and after the subcommand is a usage error.
struct LeadingStoreOptions {
    /// The options that may lead, each taking one value.
    static let names = ["--db", "--migrations-dir"]

    /// The arguments (without the program name) with leading store options moved after the
    /// subcommand; throws a message for a missing value or an option given twice.
    static func rewrite(_ arguments: [String]) throws(UsageError) -> [String] {
        var leading: [(name: String, value: String)] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if let name = names.first(where: { argument == $0 }) {
                guard index + 1 < arguments.count else {
                    throw UsageError(message: "missing value for \(name) (\(name) PATH)")
                }
                leading.append((name, arguments[index + 1]))
                index += 2
            } else if let name = names.first(where: { argument.hasPrefix($0 + "=") }) {
                leading.append((name, String(argument.dropFirst(name.count + 1))))
                index += 1
            } else {
                break
            }
        }
        if leading.isEmpty { return arguments }
        var rest = Array(arguments[index...])
        let terminator = rest.firstIndex(of: "--") ?? rest.count
        for option in leading {
            if leading.filter({ $0.name == option.name }).count > 1
                || rest[..<terminator].contains(where: { $0 == option.name || $0.hasPrefix(option.name + "=") }) {
                throw UsageError(message: "\(option.name) is given more than once; give it once, before or after the subcommand")
            }
        }
        if rest.isEmpty {
            throw UsageError(message: "\(leading[0].name) needs a subcommand after it (for example `skill-metrics \(leading[0].name) PATH list`)")
        }
        rest.insert(contentsOf: leading.flatMap { [$0.name, $0.value] }, at: terminator)
        return rest
    }

    /// The `--db` value the arguments give, before or after the subcommand (nil: none).
    static func databasePath(in arguments: [String]) -> String? {
        var found: String?
        var index = 0
        while index < arguments.count, arguments[index] != "--" {
            if arguments[index] == "--db", index + 1 < arguments.count {
                found = arguments[index + 1]
                index += 1
            } else if arguments[index].hasPrefix("--db=") {
                found = String(arguments[index].dropFirst(5))
            }
            index += 1
        }
        return found
    }
}

/// A command line that cannot be parsed (exit status 2).
struct UsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
