import GRDB

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

    static let selectSQL = """
        SELECT seq, skill_name, invoked_at, workflow_path, completed, duration_seconds, error_type,
               session_id, follow_up_actions, finished
        FROM skill_invocation WHERE seq > ? AND seq <= ? ORDER BY seq
        """

    /// Streams events with `after < seq <= through` in seq order.
    static func forEach(
        _ db: Database, after: Int64 = 0, through: Int64 = .max, _ body: (ProjectionEvent) throws -> Void
    ) throws {
        let cursor = try Row.fetchCursor(db, sql: selectSQL, arguments: [after, through])
        while let row = try cursor.next() {
            let seq: Int64 = row[0]
            let actionsText: String = row[8]
            guard let actions = try EventLog.parseActions(actionsText) else {
                throw SkillMetricsError.invalidInput(
                    location: "skill_invocation seq \(seq), field follow_up_actions",
                    reason: "not a JSON array of strings")
            }
            try body(ProjectionEvent(
                seq: seq, skillName: row[1], invokedAt: row[2], workflowPath: row[3],
                completed: (row[4] as Int64) != 0, durationSeconds: row[5], errorType: row[6],
                sessionID: row[7], followUpActions: actions, finished: (row[9] as Int64) != 0))
        }
    }
}
