/// One stored event's columns as UTF-8 bytes, for a reader that holds them in a buffer of its
/// own (the PostgreSQL team log's), so that folding it makes no `String`.
///
/// The buffers are borrowed: they must stay valid for the call they are passed to, and the
/// projectors copy what they keep.
package struct StoredEventBytes {
    package var seq: Int64
    package var skillName: UnsafeBufferPointer<UInt8>
    package var invokedAt: UnsafeBufferPointer<UInt8>
    package var workflowPath: UnsafeBufferPointer<UInt8>?
    package var completed: Bool
    package var durationSeconds: Double?
    package var errorType: UnsafeBufferPointer<UInt8>?
    package var sessionID: UnsafeBufferPointer<UInt8>?
    /// The stored `follow_up_actions` text (a JSON array of strings).
    package var followUpActions: UnsafeBufferPointer<UInt8>
    package var finished: Bool

    package init(
        seq: Int64, skillName: UnsafeBufferPointer<UInt8>, invokedAt: UnsafeBufferPointer<UInt8>,
        workflowPath: UnsafeBufferPointer<UInt8>?, completed: Bool, durationSeconds: Double?,
        errorType: UnsafeBufferPointer<UInt8>?, sessionID: UnsafeBufferPointer<UInt8>?,
        followUpActions: UnsafeBufferPointer<UInt8>, finished: Bool
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

    /// The error for the event's first text whose bytes are not valid UTF-8, as
    /// ``EventColumns/invalidUTF8()`` names it for a row read from SQLite.
    func invalidUTF8() -> SkillMetricsError {
        EventColumns.invalidUTF8(seq: seq, [
            ("skill_name", skillName), ("invoked_at", invokedAt), ("workflow_path", workflowPath),
            ("error_type", errorType), ("session_id", sessionID), ("follow_up_actions", followUpActions),
        ])
    }
}
