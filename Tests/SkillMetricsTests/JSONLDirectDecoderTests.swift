import Foundation
import Testing
@testable import SkillMetrics

/// The direct JSONL decoder must give exactly the tree decoder's event whenever it gives one,
/// and leave every other line (every error) to the tree decoder.
@Suite("JSONL direct decoder")
struct JSONLDirectDecoderTests {
    /// Same id (by bytes) and same content, as the append path compares events.
    static func same(_ a: SkillInvocation, _ b: SkillInvocation, ignoringID: Bool = false) -> Bool {
        (ignoringID || ExactText.same(a.id, b.id)) && EventLog.contentDifferences(a, b).isEmpty
            && a.durationSeconds?.bitPattern == b.durationSeconds?.bitPattern
    }

    @Test("every line of the workload family takes the direct path and gives the tree decoder's event",
          arguments: ["legacy", "real", "adversarial"])
    func workloadLines(shape: String) throws {
        let lines = try SchemaV5Tests.python(["jsonl", shape, "3000", "7"]).split(separator: "\n")
        #expect(lines.count == 3000)
        let decoder = JSONLEventDecoder()
        for line in lines {
            let bytes = Array(line.utf8)
            let tree = try decoder.decodeThroughTree(bytes)
            guard let direct = JSONLDirectDecoder.decode(bytes) else {
                Issue.record("not decoded directly: \(line)")
                continue
            }
            #expect(Self.same(direct, tree), "\(line)")
        }
    }

    /// Lines the direct decoder must read as the tree decoder does (the ids of the first two
    /// are random UUIDs, compared apart).
    static let accepted: [String] = [
        #"{"skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z"}"#,
        #"  {  "skill_name" : "s" ,"invoked_at":"2026-01-01T00:00:00+02:00" , "id" : null }  "#,
        #"{"id": "a\u00e9\ud83d\ude00\n\"\\\/\t", "skill_name": "caf\u0065\u0301", "invoked_at": "2026-03-01T10:00:00.5Z", "workflow_path": "caf\u00e9"}"#,
        #"{"id": "n1", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "duration_seconds": -0.0, "completed": true}"#,
        #"{"id": "n2", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "duration_seconds": 1.5E-3, "schema_version": 2}"#,
        #"{"id": "n3", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "duration_seconds": 123456789012345678901234567890}"#,
        #"{"id": "n4", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "duration_seconds": 0.1, "schema_version": 3}"#,
        #"{"id": "z", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "workflow_path": null, "error_type": null, "session_id": null, "follow_up_actions": null, "duration_seconds": null, "schema_version": null, "user_context": null}"#,
        #"{"id": "f", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "completed": false, "error_type": "E", "follow_up_actions": [ "a" , "b\u0001" ,"a" ], "session_id": ""}"#,
        #"{"id": "u", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "completed": false, "finished": false, "follow_up_actions": []}"#,
        #"{"seq": [1, {"a": [null, true]}, "x"], "recorded_at": {"b": 1.5}, "id": "r", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z"}"#,
        // Keys with escapes are parsed before they are matched (the others on their bytes).
        #"{"\u0069d": "e1", "skill_n\u0061me": "s", "invoked_at": "2026-01-01T00:00:00Z", "follow_up_\u0061ctions": ["a"]}"#,
    ]

    @Test("edge cases the direct path accepts give the tree decoder's event", arguments: accepted.indices)
    func acceptedLines(index: Int) throws {
        let bytes = Array(Self.accepted[index].utf8)
        let tree = try JSONLEventDecoder().decodeThroughTree(bytes)
        let direct = try #require(JSONLDirectDecoder.decode(bytes))
        #expect(Self.same(direct, tree, ignoringID: index < 2))
    }

    /// Lines the direct decoder leaves to the tree decoder: each must fail (or decode) exactly
    /// as before through `decode(line:)`.
    static let leftToTheTree: [String] = [
        #"{"id": "c", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "user_context": {"k": [1, 2]}}"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "colour": 1}"#,
        #"{"id": "x", "skill_name": "s", "skill_name": "t", "invoked_at": "2026-01-01T00:00:00Z"}"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "completed": null}"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "duration_seconds": "1"}"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "schema_version": 1.5}"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "follow_up_actions": [1]}"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z",}"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z""#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z"} x"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "yesterday"}"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "duration_seconds": NaN}"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "duration_seconds": 1e400}"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "duration_seconds": -1}"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "completed": false, "duration_seconds": 1, "finished": false}"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "schema_version": 1e0}"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "error_type": "E\u0000"}"#,
        #"{"id": "x", "skill_name": "s\ud800", "invoked_at": "2026-01-01T00:00:00Z"}"#,
        #"{"id": "x", "invoked_at": "2026-01-01T00:00:00Z"}"#,
        #"{"id": "x", "skill_name": null, "invoked_at": "2026-01-01T00:00:00Z"}"#,
        #"{}"#,
        #"[]"#,
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "seq": "# + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}",
        #"{"id": "x", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z", "recorded_at": tru}"#,
        // A key repeated, once with an escape; a key that is a known key's prefix; one unterminated.
        #"{"id": "x", "\u0069d": "y", "skill_name": "s", "invoked_at": "2026-01-01T00:00:00Z"}"#,
        #"{"id": "x", "skill_nam": "s", "invoked_at": "2026-01-01T00:00:00Z"}"#,
        #"{"id": "x", "skill_name"#,
    ]

    /// `text` with each random UUID (the id of a line without one) replaced by `<uuid>`.
    static func maskingUUIDs(_ text: String) -> String {
        text.replacingOccurrences(
            of: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", with: "<uuid>", options: .regularExpression)
    }

    @Test("every other line goes the tree way, with the tree decoder's error", arguments: leftToTheTree.indices)
    func linesLeftToTheTree(index: Int) throws {
        let bytes = Array(Self.leftToTheTree[index].utf8)
        #expect(JSONLDirectDecoder.decode(bytes) == nil)
        let decoder = JSONLEventDecoder()
        let tree = Result { () throws(SkillMetricsError) -> SkillInvocation in try decoder.decodeThroughTree(bytes) }
        let full = Result { () throws(SkillMetricsError) -> SkillInvocation in try decoder.decode(line: bytes) }
        switch (tree, full) {
        case (.success(let a), .success(let b)): #expect(Self.same(a, b))
        case (.failure(let a), .failure(let b)): #expect(Self.maskingUUIDs(a.description) == Self.maskingUUIDs(b.description))
        default: Issue.record("decode(line:) and the tree decoder disagree: \(tree) vs \(full)")
        }
        // Only the user_context line is a valid event.
        if index == 0 { #expect(try full.get().userContext != nil) } else { #expect(throws: SkillMetricsError.self) { try full.get() } }
    }
}
