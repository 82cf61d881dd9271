import Foundation
import SkillMetrics

/// Writes a crackerjack-dialect legacy file (`.session-buddy/skill_metrics.json`) with `n`
/// invocations of a workload of the family, byte for byte as the legacy Python tracker's
/// `json.dumps(data, indent=2)` would have written it after its last completion.
///
/// The fields come from the C generator (`smb_make_workload_event`), so the file has the
/// workload's skills, paths, errors, actions and durations (the legacy format has no
/// sessions). Every 50th invocation, and every abandoned one without a duration, is pending
/// (never completed). `skills` is the fold of the finished invocations in completion order
/// (start + duration, ties by list position), as the tracker built it. Timestamps are naive
/// wall-clock times meant as UTC (import with the UTC zone).
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

    private struct Entry {
        var skill: String
        var invokedAt: String
        var workflowPath: String?
        var completed: Bool
        var duration: Double?
        var actions: [String]
        var errorType: String?
        var completion: Int64
    }

    static func write(_ kind: WorkloadKind, invocations n: Int, to path: String) throws {
        var invocations: [JSONValue] = []
        invocations.reserveCapacity(n)
        var entries: [Entry] = []
        entries.reserveCapacity(n)
        for i in 0..<n {
            let raw = Workload.raw(kind, "legacy", i)
            let start = raw.invoked_at_us
            let invokedAt = LocalDateTime(utcMicroseconds: start).pythonISOFormat
            let skill = Workload.text(raw.skill_name)
            let workflowPath: String? = raw.has_workflow_path != 0 ? Workload.text(raw.workflow_path) : nil
            var object = JSONObject()
            object.append("skill_name", .string(skill))
            object.append("invoked_at", .string(invokedAt))
            object.append("workflow_path", .optionalString(workflowPath))
            let completed = raw.completed != 0
            if i % 50 == 7 || (!completed && raw.has_duration == 0) {
                object.append("completed", .bool(false))
                object.append("duration_seconds", .null)
                object.append("follow_up_actions", .array([]))
                object.append("error_type", .null)
                invocations.append(.object(object))
                continue
            }
            let duration: Double? = raw.has_duration != 0 ? raw.duration_seconds : nil
            let actions = Workload.actions(raw)
            let errorType: String? = raw.has_error_type != 0 ? Workload.text(raw.error_type) : nil
            object.append("completed", .bool(completed))
            object.append("duration_seconds", duration.map(JSONValue.double) ?? .null)
            object.append("follow_up_actions", .array(actions.map(JSONValue.string)))
            object.append("error_type", .optionalString(errorType))
            invocations.append(.object(object))
            let completion = start + Int64(((duration ?? 0) * 1_000_000).rounded())
            entries.append(Entry(skill: skill, invokedAt: invokedAt, workflowPath: workflowPath, completed: completed,
                                 duration: duration, actions: actions, errorType: errorType, completion: completion))
        }
        // The tracker folded each invocation when it completed; the sort is stable, so ties
        // keep list order.
        let folded = entries.enumerated().sorted {
            $0.element.completion != $1.element.completion ? $0.element.completion < $1.element.completion : $0.offset < $1.offset
        }.map(\.element)
        var states: [String: SkillState] = [:]
        var order: [String] = []
        for entry in folded {
            let skill = entry.skill
            if states[skill] == nil { order.append(skill) }
            var state = states[skill] ?? SkillState(first: entry.invokedAt, last: entry.invokedAt)
            state.total += 1
            if entry.completed {
                state.completed += 1
                if let duration = entry.duration, duration != 0 { state.totalDuration += duration }
            } else {
                state.abandoned += 1
            }
            if let workflowPath = entry.workflowPath, !workflowPath.isEmpty { state.workflowPaths.add(workflowPath) }
            if let errorType = entry.errorType, !errorType.isEmpty { state.commonErrors.add(errorType) }
            for action in entry.actions { state.followUpActions.add(action) }
            state.last = entry.invokedAt
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
        let lastUpdated = LocalDateTime(utcMicroseconds: 1_767_225_600 * 1_000_000 + Int64(n) * 30_000_000 + 123_456).pythonISOFormat
        let document = JSONValue.object(JSONObject([
            ("invocations", .array(invocations)),
            ("skills", .object(skills)),
            ("last_updated", .string(lastUpdated)),
        ]))
        let text = JSONWriter(style: .python(ensureASCII: true)).string(document)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
