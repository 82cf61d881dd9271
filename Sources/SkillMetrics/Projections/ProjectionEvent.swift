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
    ///
    /// GRDB's cursor steps the statement; the columns are read straight from it with GRDB's
    /// `StatementColumnConvertible` initialisers (the conversions `row[i]` makes, without its
    /// generic dispatch on every value of a million-row fold).
    static func forEach(
        _ db: Database, after: Int64 = 0, through: Int64 = .max, _ body: (ProjectionEvent) throws -> Void
    ) throws {
        let statement = try db.makeStatement(sql: selectSQL)
        let cursor = try Row.fetchCursor(statement, arguments: [after, through])
        let sqlite = statement.sqliteStatement
        func text(_ index: CInt) -> String { String(sqliteStatement: sqlite, index: index) }
        while let row = try cursor.next() {
            func optionalText(_ index: CInt) -> String? {
                row.hasNull(atIndex: Int(index)) ? nil : text(index)
            }
            let seq = Int64(sqliteStatement: sqlite, index: 0)
            guard let actions = try EventLog.parseActions(text(8)) else {
                throw SkillMetricsError.invalidInput(
                    location: "skill_invocation seq \(seq), field follow_up_actions",
                    reason: "not a JSON array of strings")
            }
            try body(ProjectionEvent(
                seq: seq, skillName: text(1), invokedAt: text(2), workflowPath: optionalText(3),
                completed: Int64(sqliteStatement: sqlite, index: 4) != 0,
                durationSeconds: row.hasNull(atIndex: 5) ? nil : Double(sqliteStatement: sqlite, index: 5),
                errorType: optionalText(6), sessionID: optionalText(7), followUpActions: actions,
                finished: Int64(sqliteStatement: sqlite, index: 9) != 0))
        }
    }
}
