import Foundation
@testable import SkillMetrics

/// The finished invocations of a crackerjack-dialect fixture as events, in completion order
/// (naive `invoked_at` + `duration_seconds`, ties by list position; legacy-json.md §1),
/// with naive times read as UTC. Pending invocations are left out.
struct FixtureEvents {
    var events: [SkillInvocation]
    /// The file's `skills` object, in file order.
    var skills: JSONObject

    init(fixture name: String) throws {
        let path = PackagePaths.fixture("legacy/\(name)")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SkillMetricsError.fileAccess(path: path, reason: "missing fixture")
        }
        guard case .object(let root) = try JSONParser().parse(Array(data)),
              case .array(let invocations)? = root["invocations"],
              case .object(let skills)? = root["skills"]
        else {
            throw SkillMetricsError.invalidInput(location: path, reason: "not a crackerjack file")
        }
        self.skills = skills
        var keyed: [(completion: Int64, position: Int, event: SkillInvocation)] = []
        for (position, value) in invocations.enumerated() {
            guard case .object(let invocation) = value,
                  case .string(let skill)? = invocation["skill_name"],
                  case .string(let invokedText)? = invocation["invoked_at"],
                  let local = LocalDateTime.parse(invokedText),
                  case .bool(let completed)? = invocation["completed"]
            else {
                throw SkillMetricsError.invalidInput(location: "\(path) invocations[\(position)]", reason: "unexpected shape")
            }
            guard case .number(let duration)? = invocation["duration_seconds"] else {
                continue  // pending: the completer never ran
            }
            var actions: [String] = []
            if case .array(let list)? = invocation["follow_up_actions"] {
                for case .string(let action) in list { actions.append(action) }
            }
            var workflowPath: String?
            if case .string(let path)? = invocation["workflow_path"] { workflowPath = path }
            var errorType: String?
            if case .string(let error)? = invocation["error_type"] { errorType = error }
            let start = local.microsecondsAsUTC
            let completion = start + Int64((duration.doubleValue * 1_000_000).rounded(.toNearestOrEven))
            let event = SkillInvocation(
                id: "\(name)-\(position)", skillName: skill,
                invokedAt: Timestamp(microsecondsSinceEpoch: start), workflowPath: workflowPath,
                completed: completed, durationSeconds: duration.doubleValue, errorType: errorType,
                followUpActions: actions)
            keyed.append((completion, position, event))
        }
        keyed.sort { ($0.completion, $0.position) < ($1.completion, $1.position) }
        events = keyed.map(\.event)
    }

    /// The events as JSONL (one object per line, `invoked_at` with `Z`).
    var jsonl: String {
        let writer = JSONWriter(style: .compact)
        return events.map { event in
            writer.string(.object(JSONObject([
                ("id", .string(event.id)),
                ("skill_name", .string(event.skillName)),
                ("invoked_at", .string(event.invokedAt.canonical)),
                ("workflow_path", .optionalString(event.workflowPath)),
                ("completed", .bool(event.completed)),
                ("duration_seconds", event.durationSeconds.map(JSONValue.double) ?? .null),
                ("error_type", .optionalString(event.errorType)),
                ("follow_up_actions", .array(event.followUpActions.map(JSONValue.string))),
            ])))
        }.joined(separator: "\n") + "\n"
    }

    /// The canonical UTC text of a fixture's naive timestamp read as UTC.
    static func canonical(naive text: String) -> String? {
        LocalDateTime.parse(text).map { Timestamp(microsecondsSinceEpoch: $0.microsecondsAsUTC).canonical }
    }
}
