import Testing
@testable import SkillMetricsPostgres

/// `push` skips an id the server already has only when the content is the same bytes.
@Suite("Team log event content")
struct TeamLogEventTests {
    static let event = TeamLogEvent(
        seq: 1, id: "e-1", skillName: "s", invokedAt: "2026-01-12T09:00:00.000000Z", workflowPath: "caf\u{E9}",
        completed: 0, durationSeconds: nil, errorType: "caf\u{E9}", sessionID: "caf\u{E9}",
        followUpActions: "[\"caf\u{E9}\"]", schemaVersion: 1, userContext: "{\"k\":\"caf\u{E9}\"}", finished: 1)

    @Test("a text that differs only in Unicode normalisation is other content",
          arguments: ["skill_name", "workflow_path", "error_type", "session_id", "follow_up_actions", "user_context"])
    func normalisation(field: String) {
        var other = Self.event
        other.seq = 7  // seq is not content
        #expect(other.sameContent(as: Self.event))
        switch field {
        case "skill_name": other.skillName = "cafe\u{301}"
        case "workflow_path": other.workflowPath = "cafe\u{301}"
        case "error_type": other.errorType = "cafe\u{301}"
        case "session_id": other.sessionID = "cafe\u{301}"
        case "follow_up_actions": other.followUpActions = "[\"cafe\u{301}\"]"
        default: other.userContext = "{\"k\":\"cafe\u{301}\"}"
        }
        #expect(!other.sameContent(as: Self.event))
    }
}
