/// Public construction of `session_skill` rows, for projections stored outside SQLite.
extension SessionSkillRow {
    /// A row from its stored column values.
    public static func stored(
        sessionID: String, skillName: String, invocationCount: Int, firstInvokedAt: String,
        lastInvokedAt: String, totalDurationSeconds: Double, firstSeq: Int64, lastSeq: Int64
    ) -> SessionSkillRow {
        SessionSkillRow(sessionID: sessionID, skillName: skillName, invocationCount: invocationCount, firstInvokedAt: firstInvokedAt, lastInvokedAt: lastInvokedAt, totalDurationSeconds: totalDurationSeconds, firstSeq: firstSeq, lastSeq: lastSeq)
    }
}
