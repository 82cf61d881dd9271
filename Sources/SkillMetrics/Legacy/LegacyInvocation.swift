/// One entry of a legacy file's `invocations` list, as written.
///
/// Timestamps stay the exact text of the file (naive local time for crackerjack, `+00:00`
/// for session-buddy) so that export can write them back byte for byte.
public struct LegacyInvocation: Sendable, Equatable {
    public var skillName: String
    /// `invoked_at` exactly as written in the file.
    public var invokedAt: String
    /// session-buddy only.
    public var sessionID: String?
    public var workflowPath: String?
    public var completed: Bool
    public var durationSeconds: Double?
    /// The literal of `duration_seconds` when it is not what Python's `repr` would write
    /// for the value (a hand-edited `2` instead of `2.0`); nil otherwise.
    public var durationLiteral: String?
    public var followUpActions: [String]
    public var errorType: String?
    /// session-buddy's `user_query`, `alternatives_considered`, `selection_rank`, in order.
    public var extra: JSONObject

    public init(
        skillName: String, invokedAt: String, sessionID: String? = nil, workflowPath: String? = nil,
        completed: Bool, durationSeconds: Double?, durationLiteral: String? = nil,
        followUpActions: [String] = [], errorType: String? = nil, extra: JSONObject = JSONObject()
    ) {
        self.skillName = skillName
        self.invokedAt = invokedAt
        self.sessionID = sessionID
        self.workflowPath = workflowPath
        self.completed = completed
        self.durationSeconds = durationSeconds
        self.durationLiteral = durationLiteral
        self.followUpActions = followUpActions
        self.errorType = errorType
        self.extra = extra
    }

    /// True for a crackerjack entry whose completer never ran (`completed: false`,
    /// `duration_seconds: null`): a fact, but never counted. session-buddy entries are always
    /// finished.
    public func isPending(in dialect: LegacyDialect) -> Bool {
        dialect == .crackerjack && !completed && durationSeconds == nil
    }

    /// The entry as the dialect writes it (key order included).
    func jsonValue(dialect: LegacyDialect) -> JSONValue {
        var object = JSONObject()
        let duration: JSONValue
        if let durationLiteral, let value = durationSeconds {
            duration = .number(JSONNumber(validatedLiteral: durationLiteral, doubleValue: value))
        } else {
            duration = durationSeconds.map(JSONValue.double) ?? .null
        }
        object.append("skill_name", .string(skillName))
        object.append("invoked_at", .string(invokedAt))
        if dialect == .sessionBuddy { object.append("session_id", .optionalString(sessionID)) }
        object.append("workflow_path", .optionalString(workflowPath))
        object.append("completed", .bool(completed))
        object.append("duration_seconds", duration)
        if dialect == .sessionBuddy {
            object.append("user_query", extra["user_query"] ?? .null)
            object.append("alternatives_considered", extra["alternatives_considered"] ?? .array([]))
            object.append("selection_rank", extra["selection_rank"] ?? .null)
        }
        object.append("follow_up_actions", .array(followUpActions.map(JSONValue.string)))
        object.append("error_type", .optionalString(errorType))
        return .object(object)
    }
}
