import Foundation
import SkillMetrics

/// Writes a crackerjack-dialect legacy file (`.session-buddy/skill_metrics.json`) with `n`
/// invocations, byte for byte as the legacy Python tracker's `json.dumps(data, indent=2)`
/// would have written it after its last completion.
///
/// Invocations do not overlap (each completes before the next starts), so completion order is
/// start order and `skills` is the fold of the finished invocations in list order, exactly as
/// the tracker built it. Timestamps are naive wall-clock times meant as UTC (import with the
/// UTC zone). Every 50th invocation is pending (never completed); every 97th starts on a whole
/// second (no `.ffffff` part, as `isoformat()` writes it).
enum LegacyJSONGenerator {
    private struct SkillState {
        var total = 0
        var completed = 0
        var abandoned = 0
        var totalDuration = 0.0
        var workflowPaths = OrderedCounts()
        var commonErrors = OrderedCounts()
        var followUpActions = OrderedCounts()
        var first: String
        var last: String
    }

    static func write(invocations n: Int, to path: String) throws {
        let base: Int64 = 1_767_225_600 * 1_000_000  // 2026-01-01T00:00:00
        let paths = ["quick", "comprehensive", "debug"]
        var invocations: [JSONValue] = []
        invocations.reserveCapacity(n)
        var states: [String: SkillState] = [:]
        var order: [String] = []
        for i in 0..<n {
            let skill = String(format: "skill-%02d", i % 40)
            let micros: Int64 = i % 97 == 0 ? 0 : Int64((i * 7919) % 1_000_000)
            let start = base + Int64(i) * 30_000_000 + micros
            let invokedAt = LocalDateTime(utcMicroseconds: start).pythonISOFormat
            let workflowPath: String? = i % 4 == 3 ? nil : paths[i % 4]
            var object = JSONObject()
            object.append("skill_name", .string(skill))
            object.append("invoked_at", .string(invokedAt))
            object.append("workflow_path", .optionalString(workflowPath))
            if i % 50 == 7 {
                object.append("completed", .bool(false))
                object.append("duration_seconds", .null)
                object.append("follow_up_actions", .array([]))
                object.append("error_type", .null)
                invocations.append(.object(object))
                continue
            }
            let completed = i % 10 != 0
            let durationMicros = Int64((i * 37) % 20_000) * 1_000 + 1
            let duration = Double(durationMicros) / 1_000_000  // timedelta.total_seconds()
            let actions: [String] = i % 6 == 0 ? ["git commit"] : i % 6 == 3 ? ["git commit", "git push"] : []
            let errorType: String? = i % 10 == 0 ? "TimeoutError" : i % 25 == 3 ? "ValueError" : nil
            object.append("completed", .bool(completed))
            object.append("duration_seconds", .double(duration))
            object.append("follow_up_actions", .array(actions.map(JSONValue.string)))
            object.append("error_type", .optionalString(errorType))
            invocations.append(.object(object))

            if states[skill] == nil { order.append(skill) }
            var state = states[skill] ?? SkillState(first: invokedAt, last: invokedAt)
            state.total += 1
            if completed {
                state.completed += 1
                if duration != 0 { state.totalDuration += duration }
            } else {
                state.abandoned += 1
            }
            if let workflowPath, !workflowPath.isEmpty { state.workflowPaths.add(workflowPath) }
            if let errorType, !errorType.isEmpty { state.commonErrors.add(errorType) }
            for action in actions { state.followUpActions.add(action) }
            state.last = invokedAt
            states[skill] = state
        }
        var skills = JSONObject()
        for name in order {
            guard let state = states[name] else { continue }
            var object = JSONObject()
            object.append("skill_name", .string(name))
            object.append("total_invocations", .int(state.total))
            object.append("completed_invocations", .int(state.completed))
            object.append("abandoned_invocations", .int(state.abandoned))
            object.append("total_duration_seconds", .double(state.totalDuration))
            object.append("workflow_paths", state.workflowPaths.jsonValue)
            object.append("common_errors", state.commonErrors.jsonValue)
            object.append("follow_up_actions", state.followUpActions.jsonValue)
            object.append("first_invoked", .string(state.first))
            object.append("last_invoked", .string(state.last))
            object.append("completion_rate", .double(state.total == 0 ? 0.0 : Double(state.completed) / Double(state.total) * 100))
            object.append("avg_duration_seconds", .double(state.completed == 0 ? 0.0 : state.totalDuration / Double(state.completed)))
            skills.append(name, .object(object))
        }
        let lastUpdated = LocalDateTime(utcMicroseconds: base + Int64(n) * 30_000_000 + 123_456).pythonISOFormat
        let document = JSONValue.object(JSONObject([
            ("invocations", .array(invocations)),
            ("skills", .object(skills)),
            ("last_updated", .string(lastUpdated)),
        ]))
        let text = JSONWriter(style: .python(ensureASCII: true)).string(document)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
