import GRDB
import GRDBSQLite

/// The fields of an event that the projections read, as stored (timestamps in canonical text).
public struct ProjectionEvent: Sendable {
    public var seq: Int64
    public var skillName: String
    public var invokedAt: String
    public var workflowPath: String?
    public var completed: Bool
    public var durationSeconds: Double?
    public var errorType: String?
    public var sessionID: String?
    public var followUpActions: [String]
    public var finished: Bool

    public init(
        seq: Int64, skillName: String, invokedAt: String, workflowPath: String?, completed: Bool,
        durationSeconds: Double?, errorType: String?, sessionID: String?, followUpActions: [String],
        finished: Bool
    ) {
        self.seq = seq
        self.skillName = skillName
        self.invokedAt = invokedAt
        self.workflowPath = workflowPath
        self.completed = completed
        self.durationSeconds = durationSeconds
        self.errorType = errorType
        self.sessionID = sessionID
        self.followUpActions = followUpActions
        self.finished = finished
    }

    /// The event as `skill_invocation` stores it at `seq` (the values EventLog binds).
    init(_ event: SkillInvocation, seq: Int64) {
        self.init(
            seq: seq, skillName: event.skillName, invokedAt: event.invokedAt.canonical,
            workflowPath: event.workflowPath, completed: event.completed, durationSeconds: event.durationSeconds,
            errorType: event.errorType, sessionID: event.sessionID, followUpActions: event.followUpActions,
            finished: event.finished)
    }

    static let selectSQL = """
        SELECT seq, skill_name, invoked_at, workflow_path, completed, duration_seconds, error_type,
               session_id, follow_up_actions, finished
        FROM skill_invocation WHERE seq > ? AND seq <= ? ORDER BY seq
        """

    static let columnNames = [
        "seq", "skill_name", "invoked_at", "workflow_path", "completed", "duration_seconds",
        "error_type", "session_id", "follow_up_actions", "finished",
    ]

    /// Streams events with `after < seq <= through` in seq order.
    ///
    /// The columns are read straight from the statement (no `Row` boxing on a million-row
    /// fold), each after checking its storage class: a value of the wrong type (a NULL where the
    /// schema has NOT NULL, text in an integer column — a foreign or altered file can hold them)
    /// is a ``SkillMetricsError/invalidInput(location:reason:)`` naming the table, column and
    /// seq, never a trap.
    static func forEach(
        _ db: Database, after: Int64 = 0, through: Int64 = .max, _ body: (ProjectionEvent) throws -> Void
    ) throws {
        let statement = try db.makeStatement(sql: selectSQL)
        try statement.setArguments([after, through])
        let sqlite = statement.sqliteStatement
        var seq: Int64 = 0
        func bad(_ index: CInt, _ reason: String) -> SkillMetricsError {
            .invalidInput(
                location: "skill_invocation seq \(seq), column \(columnNames[Int(index)])", reason: reason)
        }
        func typeName(_ type: CInt) -> String {
            switch type {
            case SQLITE_NULL: return "NULL"
            case SQLITE_INTEGER: return "an integer"
            case SQLITE_FLOAT: return "a real"
            case SQLITE_TEXT: return "text"
            default: return "a blob"
            }
        }
        func text(_ index: CInt) throws -> String {
            let type = sqlite3_column_type(sqlite, index)
            guard type == SQLITE_TEXT else { throw bad(index, "expected text, found \(typeName(type))") }
            return String(sqliteStatement: sqlite, index: index)
        }
        func optionalText(_ index: CInt) throws -> String? {
            sqlite3_column_type(sqlite, index) == SQLITE_NULL ? nil : try text(index)
        }
        func flag(_ index: CInt) throws -> Bool {
            let type = sqlite3_column_type(sqlite, index)
            guard type == SQLITE_INTEGER else { throw bad(index, "expected 0 or 1, found \(typeName(type))") }
            switch sqlite3_column_int64(sqlite, index) {
            case 0: return false
            case 1: return true
            case let other: throw bad(index, "expected 0 or 1, found \(other)")
            }
        }
        func optionalDouble(_ index: CInt) throws -> Double? {
            switch sqlite3_column_type(sqlite, index) {
            case SQLITE_NULL: return nil
            case SQLITE_FLOAT, SQLITE_INTEGER: return sqlite3_column_double(sqlite, index)
            case let type: throw bad(index, "expected a real, found \(typeName(type))")
            }
        }
        while true {
            let code = sqlite3_step(sqlite)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: selectSQL)
            }
            guard sqlite3_column_type(sqlite, 0) == SQLITE_INTEGER else {
                throw SkillMetricsError.invalidInput(
                    location: "skill_invocation after seq \(seq), column seq", reason: "not an integer")
            }
            seq = sqlite3_column_int64(sqlite, 0)
            let actionsText = try text(8)
            guard let actions = try EventLog.parseActions(actionsText) else {
                throw bad(8, "not a JSON array of strings")
            }
            try body(ProjectionEvent(
                seq: seq, skillName: try text(1), invokedAt: try text(2), workflowPath: try optionalText(3),
                completed: try flag(4), durationSeconds: try optionalDouble(5),
                errorType: try optionalText(6), sessionID: try optionalText(7), followUpActions: actions,
                finished: try flag(9)))
        }
    }
}
