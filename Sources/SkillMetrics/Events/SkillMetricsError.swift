import GRDB
import GRDBSQLite

/// Errors raised by SkillMetrics. The command line maps each case to an exit status and a
/// message that names the file, line, field or event id involved.
public enum SkillMetricsError: Error, Sendable, CustomStringConvertible, Equatable {
    /// An event that the log must not hold. `id` nil: the input gave the event no id (or
    /// no usable one), and the message names the field alone.
    case invalidEvent(id: String?, field: String, reason: String)
    /// An event id that is already stored with different content.
    case conflictingEvent(id: String, fields: [String])
    /// A completer called a second time.
    case alreadyCompleted(id: String)
    /// Bad input at a location (`file:line`, a field path …).
    case invalidInput(location: String, reason: String)
    /// A skill that has no projection row.
    case skillNotFound(String)
    /// A file that cannot be read or written.
    case fileAccess(path: String, reason: String)
    /// A migration problem (checksum mismatch, missing file, failure while applying …).
    case migration(MigrationProblem)
    /// A database file that is not a SkillMetrics database or is damaged.
    case notASkillMetricsDatabase(path: String, reason: String)
    /// A database error with what was being done.
    case database(operation: String, message: String)
    /// A value in a stored row that the schema would not let SkillMetrics write (NULL, wrong
    /// type, out of range): the file was changed by another client or is damaged.
    case invalidStoredValue(table: String, column: String, row: String, reason: String)
    /// The file's schema objects differ from what its recorded migrations create.
    case schemaMismatch(path: String, differences: [SchemaDifference])
    /// A read-only open of a database whose schema is older than this build's.
    case schemaNeedsMigration(path: String, version: Int, latestVersion: Int)
    /// A number to be written as JSON is not finite (sums of durations can pass the largest
    /// double); JSON cannot hold it, so the JSON is not written. `path` is its JSON path.
    case unrepresentableNumber(path: String, value: String)

    public var description: String {
        switch self {
        case .invalidEvent(let id, let field, let reason):
            if let id { return "event \(id): field \(field) \(reason)" }
            return "field \(field) \(reason)"
        case .conflictingEvent(let id, let fields):
            return "event \(id) is already in the log with different content (differs in: \(fields.joined(separator: ", ")))"
        case .alreadyCompleted(let id):
            return "invocation \(id) was already completed; a completer counts once"
        case .invalidInput(let location, let reason):
            return "\(location): \(reason)"
        case .skillNotFound(let name):
            return "no skill named \(JSONWriter.quoted(name)) in the projections"
        case .fileAccess(let path, let reason):
            return "\(path): \(reason)"
        case .migration(let problem):
            return problem.description
        case .notASkillMetricsDatabase(let path, let reason):
            return "\(path) is not a usable SkillMetrics database: \(reason)"
        case .database(let operation, let message):
            return "database error while \(operation): \(message)"
        case .invalidStoredValue(let table, let column, let row, let reason):
            return "\(table), \(row), column \(column): \(reason) (the file was changed outside SkillMetrics or is damaged)"
        case .schemaMismatch(let path, let differences):
            let shown = differences.prefix(5).map(\.description).joined(separator: "; ")
            let more = differences.count > 5 ? "; and \(differences.count - 5) more" : ""
            let hint = differences.allSatisfy(\.isRestorable) ? " (`skill-metrics rebuild --db \(path)` restores them from the migrations)"
                : differences.contains(where: \.isTableLoss) ? " (a missing or changed table is not restored by `rebuild`: restore a backup, see docs/operations.md)" : ""
            return "\(path): the schema differs from the one its migrations create: \(shown)\(more)\(hint)"
        case .schemaNeedsMigration(let path, let version, let latest):
            return "\(path): the schema is at version \(version), this build reads version \(latest); run `skill-metrics migrate --db \(path)` first (nothing was changed)"
        case .unrepresentableNumber(let path, let value):
            return "\(path) is \(value), which JSON cannot hold (its durations add up past the largest double)"
        }
    }
}

extension SkillMetricsError {
    /// SQLite's error in one line, without the statement GRDB's description carries (a batch's
    /// multi-row INSERT is kilobytes of `?`): `SQLite error 13 (database or disk is full)`,
    /// followed by SQLite's message when it says more than the code's own text.
    public static func sqliteText(_ error: DatabaseError) -> String {
        let code = error.extendedResultCode.rawValue
        let meaning = String(cString: sqlite3_errstr(code))
        guard let message = error.message, !message.isEmpty, message != meaning else {
            return "SQLite error \(code) (\(meaning))"
        }
        return "SQLite error \(code) (\(meaning)): \(message)"
    }

    /// The error SQLite (through GRDB) raised while using the database at `path`, as a
    /// ``SkillMetricsError/database(operation:message:)`` naming the file and SQLite's result
    /// code; nil when `error` is not a database error.
    public init?(databaseError error: any Error, path: String) {
        if let error = error as? DatabaseError {
            self = .database(operation: "using \(path)", message: Self.sqliteText(error))
        } else if let error = error as? RowDecodingError {
            self = .database(operation: "reading \(path)", message: "a stored value has the wrong type: \(error)")
        } else {
            return nil
        }
    }
}

extension JSONWriter {
    /// `text` as a JSON string literal (non-ASCII kept), for messages that must show
    /// control characters unambiguously.
    public static func quoted(_ text: String) -> String {
        var output = ""
        appendQuoted(text, ensureASCII: false, into: &output)
        return output
    }
}
