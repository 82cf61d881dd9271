/// One way a database's schema objects differ from the ones its recorded migrations create.
public struct SchemaDifference: Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the object.
    public enum Problem: Sendable, Equatable {
        /// The migrations create it; the file does not have it.
        case missing
        /// The file has it; the migrations do not create it.
        case unexpected
        /// Both have it, with different definitions (the detail says how).
        case changed(String)
    }

    /// `table`, `index`, `trigger` or `view`.
    public var kind: String
    /// The object's name.
    public var name: String
    public var problem: Problem

    public init(kind: String, name: String, problem: Problem) {
        self.kind = kind
        self.name = name
        self.problem = problem
    }

    /// An index, trigger or view that the migrations create and the file lacks or holds
    /// otherwise: what ``SchemaRepair`` re-creates.
    public var isRestorable: Bool { kind != "table" && problem != .unexpected }

    /// A table that the migrations create and the file lacks or holds otherwise: rows live
    /// there, so only a backup restores it.
    public var isTableLoss: Bool { kind == "table" && problem != .unexpected }

    public var description: String {
        switch problem {
        case .missing: "\(kind) \(name) is missing"
        case .unexpected: "\(kind) \(name) is not created by any migration"
        case .changed(let detail): "\(kind) \(name) differs: \(detail)"
        }
    }
}
