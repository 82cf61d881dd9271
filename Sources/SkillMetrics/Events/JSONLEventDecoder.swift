import Foundation

/// Turns one JSONL object (keyed by the `skill_invocation` column names) into a ``SkillInvocation``.
///
/// Required: `skill_name`, `invoked_at` (ISO-8601 with `Z` or an offset). Optional: `id`
/// (a random UUID when absent — re-appending such a line appends it again), `workflow_path`,
/// `completed` (default true), `duration_seconds`, `error_type`, `session_id`,
/// `follow_up_actions`, `schema_version`, `user_context`, `finished`. `seq` and `recorded_at`
/// (as written by an export of the log) are ignored; any other key is an error, so typos do
/// not pass silently.
public struct JSONLEventDecoder: Sendable {
    public init() {}

    /// The keys a line may carry, in one order (``JSONLDirectDecoder`` numbers them by it).
    enum Field: String, CaseIterable {
        case id, skillName = "skill_name", invokedAt = "invoked_at", workflowPath = "workflow_path"
        case completed, durationSeconds = "duration_seconds", errorType = "error_type", sessionID = "session_id"
        case followUpActions = "follow_up_actions", schemaVersion = "schema_version", userContext = "user_context"
        case finished, seq, recordedAt = "recorded_at"
    }

    static let knownKeys = Set(Field.allCases.map(\.rawValue))

    /// Decodes one line (at most ``InputLimits/maximumLineBytes`` bytes). Errors name the
    /// field; the caller adds the file and line.
    public func decode(line: some Collection<UInt8>) throws(SkillMetricsError) -> SkillInvocation {
        if line.count > InputLimits.maximumLineBytes {
            throw .invalidInput(location: "line", reason: "longer than \(InputLimits.maximumLineBytes) bytes, the limit for one line")
        }
        let bytes = Array(line)
        // The common line straight from its bytes; anything else (every error included) the
        // tree way below.
        if let event = JSONLDirectDecoder.decode(bytes) { return event }
        return try decodeThroughTree(bytes)
    }

    /// ``decode(line:)`` through a ``JSONValue`` tree: every line, every error.
    func decodeThroughTree(_ line: [UInt8]) throws(SkillMetricsError) -> SkillInvocation {
        let value: JSONValue
        do {
            value = try JSONParser().parse(line)
        } catch {
            throw .invalidInput(location: "column \(error.column)", reason: "invalid JSON: \(error.message)")
        }
        guard case .object(let object) = value else {
            throw .invalidInput(location: "line", reason: "expected a JSON object, found \(value.typeName)")
        }
        return try decode(object: object)
    }

    public func decode(object: JSONObject) throws(SkillMetricsError) -> SkillInvocation {
        for key in object.keys where !Self.knownKeys.contains(key) {
            throw .invalidInput(location: "field \(JSONWriter.quoted(key))", reason: "unknown field")
        }
        // A line without an id gets a random one, which messages must not name: it is in no
        // file, so a message names the line's own id or none (the caller adds FILE:LINE).
        let givenID = try optionalString(object, "id")
        let id = givenID ?? UUID().uuidString.lowercased()
        func fail(_ field: String, _ reason: String) -> SkillMetricsError {
            .invalidEvent(id: givenID, field: field, reason: reason)
        }
        guard let skill = try optionalString(object, "skill_name") else {
            throw fail("skill_name", "is missing")
        }
        guard let invokedText = try optionalString(object, "invoked_at") else {
            throw fail("invoked_at", "is missing")
        }
        let invokedAt: Timestamp
        do {
            invokedAt = try Timestamp.parse(invokedText)
        } catch {
            throw fail("invoked_at", error.description)
        }
        var duration: Double?
        switch object["duration_seconds"] {
        case nil, .null?: duration = nil
        case .number(let number)?: duration = number.doubleValue
        case let other?: throw fail("duration_seconds", "must be a number or null, not \(other.typeName)")
        }
        var actions: [String] = []
        switch object["follow_up_actions"] {
        case nil, .null?: break
        case .array(let elements)?:
            for (offset, element) in elements.enumerated() {
                guard case .string(let action) = element else {
                    throw fail("follow_up_actions[\(offset)]", "must be a string, not \(element.typeName)")
                }
                actions.append(action)
            }
        case let other?: throw fail("follow_up_actions", "must be an array of strings, not \(other.typeName)")
        }
        var schemaVersion = 1
        switch object["schema_version"] {
        case nil, .null?: break
        case .number(let number)?:
            guard let version = number.intValue else { throw fail("schema_version", "must be an integer") }
            schemaVersion = version
        case let other?: throw fail("schema_version", "must be an integer, not \(other.typeName)")
        }
        var userContext: JSONObject?
        switch object["user_context"] {
        case nil, .null?: break
        case .object(let context)?: userContext = context
        case let other?: throw fail("user_context", "must be an object or null, not \(other.typeName)")
        }
        let event = SkillInvocation(
            id: id, skillName: skill, invokedAt: invokedAt,
            workflowPath: try optionalString(object, "workflow_path"),
            completed: try bool(object, "completed", default: true, id: givenID),
            durationSeconds: duration,
            errorType: try optionalString(object, "error_type"),
            sessionID: try optionalString(object, "session_id"),
            followUpActions: actions, schemaVersion: schemaVersion, userContext: userContext,
            finished: try bool(object, "finished", default: true, id: givenID))
        do {
            try event.validate()
        } catch {
            if givenID == nil, case .invalidEvent(_, let field, let reason) = error {
                throw .invalidEvent(id: nil, field: field, reason: reason)
            }
            throw error
        }
        return event
    }

    private func optionalString(_ object: JSONObject, _ key: String) throws(SkillMetricsError) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?:
            let id: String? = if case .string(let id)? = object["id"] { id } else { nil }
            throw .invalidEvent(id: id, field: key, reason: "must be a string or null, not \(other.typeName)")
        }
    }

    private func bool(_ object: JSONObject, _ key: String, default value: Bool, id: String?) throws(SkillMetricsError) -> Bool {
        switch object[key] {
        case nil: return value
        case .bool(let flag)?: return flag
        case let other?: throw .invalidEvent(id: id, field: key, reason: "must be true or false, not \(other.typeName)")
        }
    }
}
