import GRDB
import PostgresNIO
import SkillMetrics

/// One event as both logs store it: the content columns of `skill_invocation`, text kept
/// verbatim (so an event pushed and pulled back is byte for byte the one appended).
package struct TeamLogEvent: Sendable, Equatable {
    package var seq: Int64
    var id: String
    var skillName: String
    var invokedAt: String
    var workflowPath: String?
    var completed: Int
    var durationSeconds: Double?
    var errorType: String?
    var sessionID: String?
    var followUpActions: String
    var schemaVersion: Int
    var userContext: String?
    var finished: Int

    /// The content columns, in the order every statement here lists them (EventLog's INSERT order).
    static let contentColumns = EventLog.insertColumns

    /// Local events with `seq > after`, at most `limit`, in seq order.
    package static func local(_ db: Database, after: Int64, limit: Int) throws -> [TeamLogEvent] {
        guard after < Int64.max else { return [] }  // no seq above it
        return try local(db, from: after + 1, before: nil, limit: limit)
    }

    /// At most `limit` local events with seqs from `from` up to, not including, `before` (nil:
    /// no bound), in seq order.
    static func local(_ db: Database, from: Int64, before: Int64?, limit: Int) throws -> [TeamLogEvent] {
        let rows = if let before {
            try Row.fetchAll(
                db, sql: "SELECT seq, \(contentColumns) FROM skill_invocation WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?",
                arguments: [from, before, limit])
        } else {
            try Row.fetchAll(
                db, sql: "SELECT seq, \(contentColumns) FROM skill_invocation WHERE seq >= ? ORDER BY seq LIMIT ?",
                arguments: [from, limit])
        }
        return try rows.map(decode)
    }

    /// Decodes a local row selected as `seq, <contentColumns>`.
    static func decode(_ row: Row) throws -> TeamLogEvent {
            TeamLogEvent(
                seq: try row.decode(Int64.self, atIndex: 0),
                id: try row.decode(String.self, atIndex: 1),
                skillName: try row.decode(String.self, atIndex: 2),
                invokedAt: try row.decode(String.self, atIndex: 3),
                workflowPath: try row.decode(String?.self, atIndex: 4),
                completed: try row.decode(Int.self, atIndex: 5),
                durationSeconds: try row.decode(Double?.self, atIndex: 6),
                errorType: try row.decode(String?.self, atIndex: 7),
                sessionID: try row.decode(String?.self, atIndex: 8),
                followUpActions: try row.decode(String.self, atIndex: 9),
                schemaVersion: try row.decode(Int.self, atIndex: 10),
                userContext: try row.decode(String?.self, atIndex: 11),
                finished: try row.decode(Int.self, atIndex: 12))
    }

    /// The value of column `field` as a message shows it (nil for NULL or another name).
    func text(of field: String) -> String? {
        switch field {
        case "id": return id
        case "skill_name": return skillName
        case "invoked_at": return invokedAt
        case "workflow_path": return workflowPath
        case "completed": return String(completed)
        case "duration_seconds": return durationSeconds.map { "\($0)" }
        case "error_type": return errorType
        case "session_id": return sessionID
        case "follow_up_actions": return followUpActions
        case "schema_version": return String(schemaVersion)
        case "user_context": return userContext
        case "finished": return String(finished)
        default: return nil
        }
    }

    /// True when the local row of this event is proven to meet `skill_invocation`'s CHECK
    /// constraints (``EventRowChecks``), so it may be inserted with them off.
    var holdsChecksByConstruction: Bool {
        EventRowChecks.holdByConstruction(
            id: id, skillName: skillName, invokedAt: invokedAt, workflowPath: workflowPath, completed: completed,
            durationSeconds: durationSeconds, errorType: errorType, sessionID: sessionID,
            followUpActions: followUpActions, schemaVersion: schemaVersion, userContext: userContext,
            finished: finished)
    }

    /// Same content (everything but seq); texts by their bytes (Swift's `==` would call a
    /// precomposed and a decomposed "café" equal), doubles by bit pattern.
    func sameContent(as other: TeamLogEvent) -> Bool {
        ExactText.same(id, other.id) && ExactText.same(skillName, other.skillName)
            && ExactText.same(invokedAt, other.invokedAt)
            && ExactText.same(workflowPath, other.workflowPath) && completed == other.completed
            && durationSeconds?.bitPattern == other.durationSeconds?.bitPattern
            && ExactText.same(errorType, other.errorType) && ExactText.same(sessionID, other.sessionID)
            && ExactText.same(followUpActions, other.followUpActions) && schemaVersion == other.schemaVersion
            && ExactText.same(userContext, other.userContext) && finished == other.finished
    }
}

// In an extension, so that the struct keeps its memberwise initialiser.
extension TeamLogEvent {
    /// Decodes a server row selected as `seq, <contentColumns>`: all columns in one call
    /// (postgres-nio's tuple decode walks the row once, no per-cell lookup).
    init(server postgresRow: PostgresRow) throws(TeamLogError) {
        do {
            (seq, id, skillName, invokedAt, workflowPath, completed, durationSeconds, errorType, sessionID,
             followUpActions, schemaVersion, userContext, finished) = try postgresRow.decode(
                (Int64, String, String, String, String?, Int, Double?, String?, String?, String, Int, String?, Int).self)
        } catch {
            let seq = (try? postgresRow.makeRandomAccess()[0].decode(Int64.self)).map { " seq \($0)" } ?? ""
            throw .invalidRow("skill_invocation\(seq): \(TeamLogError.decoding(error))")
        }
    }
}
