/// One event of the log: one finished skill invocation (or a legacy one that never finished).
///
/// This is a row of `skill_invocation` without its log position (`seq`, `recorded_at`). Two events
/// with the same ``id`` and the same content are the same fact: appending one again is a no-op.
public struct SkillInvocation: Sendable, Equatable {
    /// Invocation id (a UUID string by default): the idempotency key.
    public var id: String
    public var skillName: String
    /// When the invocation started.
    public var invokedAt: Timestamp
    public var workflowPath: String?
    /// True: completed. False: abandoned.
    public var completed: Bool
    /// Seconds from start to finish: finite and not negative when present.
    public var durationSeconds: Double?
    public var errorType: String?
    public var sessionID: String?
    /// Follow-up actions in order; duplicates allowed.
    public var followUpActions: [String]
    /// Version of the event's shape.
    public var schemaVersion: Int
    /// Extra fields a legacy source carried (kept so that export is lossless).
    public var userContext: JSONObject?
    /// False for a legacy invocation whose completer never ran: kept, never projected.
    public var finished: Bool

    public init(
        id: String,
        skillName: String,
        invokedAt: Timestamp,
        workflowPath: String? = nil,
        completed: Bool = true,
        durationSeconds: Double? = nil,
        errorType: String? = nil,
        sessionID: String? = nil,
        followUpActions: [String] = [],
        schemaVersion: Int = 1,
        userContext: JSONObject? = nil,
        finished: Bool = true
    ) {
        self.id = id
        self.skillName = skillName
        self.invokedAt = invokedAt
        self.workflowPath = workflowPath
        self.completed = completed
        self.durationSeconds = durationSeconds
        self.errorType = errorType
        self.sessionID = sessionID
        self.followUpActions = followUpActions
        self.schemaVersion = schemaVersion
        self.userContext = userContext
        self.finished = finished
    }

    /// Checks what the schema would reject, so callers get an error naming the field and the
    /// event id instead of a bare constraint failure.
    ///
    /// A negative duration is refused unless `allowingNegativeDuration` is true: live appends
    /// measure on a monotonic clock, so a negative value is a caller's mistake; a legacy file
    /// may hold one (its tracker subtracted wall-clock times), and importing it keeps the value
    /// the legacy tracker counted.
    public func validate(allowingNegativeDuration: Bool = false) throws(SkillMetricsError) {
        func fail(_ field: String, _ reason: String) -> SkillMetricsError {
            .invalidEvent(id: id, field: field, reason: reason)
        }
        if id.isEmpty { throw fail("id", "must not be empty") }
        if id.utf8.count > 200 { throw fail("id", "longer than 200 bytes") }
        // U+0000 is the only scalar whose UTF-8 holds a zero byte: the rows' byte scan finds it
        // (a scan of the scalars, and an array of the fields, cost ~3k instructions an event).
        func holdsNUL(_ text: String?) -> Bool {
            guard var text else { return false }
            return text.withUTF8 { !EventRowChecks.hasNoNUL($0) }
        }
        let nul = "contains U+0000, which SQLite's JSON functions cannot keep"
        if holdsNUL(id) { throw fail("id", nul) }
        if holdsNUL(skillName) { throw fail("skill_name", nul) }
        if holdsNUL(workflowPath) { throw fail("workflow_path", nul) }
        if holdsNUL(errorType) { throw fail("error_type", nul) }
        if holdsNUL(sessionID) { throw fail("session_id", nul) }
        for (offset, action) in followUpActions.enumerated() where holdsNUL(action) {
            throw fail("follow_up_actions[\(offset)]", nul)
        }
        if let duration = durationSeconds, !duration.isFinite {
            throw fail("duration_seconds", "must be a finite number, not \(duration)")
        }
        if !allowingNegativeDuration, let duration = durationSeconds, duration < 0 {
            throw fail("duration_seconds", "must not be negative, got \(duration) (a duration is the time from start to finish)")
        }
        if invokedAt < Timestamp.minimum || invokedAt > Timestamp.maximum {
            throw fail("invoked_at", "outside years 0001–9999")
        }
        if schemaVersion < 1 { throw fail("schema_version", "must be 1 or more") }
        if !finished && (completed || durationSeconds != nil) {
            throw fail("finished", "an unfinished event must have completed = false and no duration")
        }
    }
}

/// An event as stored: its log position and when it was appended.
public struct StoredInvocation: Sendable, Equatable {
    /// Global position in the log (replay order).
    public var seq: Int64
    public var event: SkillInvocation
    /// When the row was appended (UTC, SQLite's `strftime('%Y-%m-%dT%H:%M:%fZ')`).
    public var recordedAt: String
}
