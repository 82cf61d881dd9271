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
    /// The columns are read straight from the statement, each checked (``EventColumns``): a
    /// value of the wrong type is an error naming the table, column and seq, never a trap.
    static func forEach(
        _ db: Database, after: Int64 = 0, through: Int64 = .max, _ body: (ProjectionEvent) throws -> Void
    ) throws {
        let statement = try db.makeStatement(sql: selectSQL)
        try statement.setArguments([after, through])
        var row = EventColumns(statement)
        while try row.step(db) {
            let actionsText = try row.text(8)
            guard let actions = try EventLog.parseActions(actionsText) else {
                throw row.bad(8, "not a JSON array of strings")
            }
            try body(ProjectionEvent(
                seq: row.seq, skillName: try row.text(1), invokedAt: try row.text(2),
                workflowPath: try row.optionalText(3), completed: try row.flag(4),
                durationSeconds: try row.optionalDouble(5), errorType: try row.optionalText(6),
                sessionID: try row.optionalText(7), followUpActions: actions, finished: try row.flag(9)))
        }
    }
}
