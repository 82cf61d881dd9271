/// Public construction of projection events, for logs stored outside SQLite (the PostgreSQL
/// team log in `SkillMetricsPostgres` streams its rows through the same projectors).
extension ProjectionEvent {
    /// An event as the projectors read it: the stored column values, timestamps as canonical text.
    public static func stored(
        seq: Int64, skillName: String, invokedAt: String, workflowPath: String?, completed: Bool,
        durationSeconds: Double?, errorType: String?, sessionID: String?, followUpActions: [String],
        finished: Bool
    ) -> ProjectionEvent {
        ProjectionEvent(seq: seq, skillName: skillName, invokedAt: invokedAt, workflowPath: workflowPath, completed: completed, durationSeconds: durationSeconds, errorType: errorType, sessionID: sessionID, followUpActions: followUpActions, finished: finished)
    }

    /// Parses a stored `follow_up_actions` value; nil when it is not a JSON array of strings.
    public static func parseFollowUpActions(_ text: String) -> [String]? {
        (try? EventLog.parseActions(text)) ?? nil
    }
}
