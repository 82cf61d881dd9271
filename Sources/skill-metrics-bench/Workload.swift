import CSQLiteBaseline
import Foundation
import SkillMetrics

/// The benchmark's workload family (every performance bar is judged on the worst of them).
/// The events come from one deterministic generator written in C (`smb_make_workload_event`),
/// shared by the Swift library's side and the C baseline, so both write identical rows.
enum WorkloadKind: String, CaseIterable {
    /// The original generator: 50 skills, 1,000 fixed sessions, 3 paths, 2 errors, 2 actions.
    case today
    /// Sessions that keep arriving, 120 Zipf skills, long-tailed paths/errors/actions,
    /// millisecond-rounded log-normal durations, nulls.
    case real
    /// One skill with thousands of distinct keys, one session of 100k events, equal durations.
    case adversarial

    var cValue: Int32 {
        switch self {
        case .today: Int32(SMB_WORKLOAD_TODAY.rawValue)
        case .real: Int32(SMB_WORKLOAD_REAL.rawValue)
        case .adversarial: Int32(SMB_WORKLOAD_ADVERSARIAL.rawValue)
        }
    }
}

/// The benchmark's events as the library's types, and the C baseline's entry points.
enum Workload {
    /// Event `index` of `kind` as the C generator makes it.
    static func raw(_ kind: WorkloadKind, _ prefix: String, _ index: Int) -> smb_event {
        var raw = smb_event()
        smb_make_workload_event(kind.cValue, prefix, Int64(index), &raw)
        return raw
    }

    /// Event `index` of `kind` as the library's ``SkillInvocation``.
    static func event(_ kind: WorkloadKind, _ prefix: String, _ index: Int) -> SkillInvocation {
        let raw = raw(kind, prefix, index)
        return SkillInvocation(
            id: text(raw.id),
            skillName: text(raw.skill_name),
            invokedAt: Timestamp(microsecondsSinceEpoch: raw.invoked_at_us),
            workflowPath: raw.has_workflow_path != 0 ? text(raw.workflow_path) : nil,
            completed: raw.completed != 0,
            durationSeconds: raw.has_duration != 0 ? raw.duration_seconds : nil,
            errorType: raw.has_error_type != 0 ? text(raw.error_type) : nil,
            sessionID: raw.has_session_id != 0 ? text(raw.session_id) : nil,
            followUpActions: actions(raw))
    }

    /// The follow-up actions of a generated event.
    static func actions(_ raw: smb_event) -> [String] {
        let all = [text(raw.actions.0), text(raw.actions.1), text(raw.actions.2), text(raw.actions.3)]
        return Array(all.prefix(max(0, min(4, Int(raw.action_count)))))
    }

    /// The C generator's canonical `invoked_at` text of event `index` (a self-check).
    static func invokedAtText(_ index: Int) -> String {
        text(raw(.today, "check", index).invoked_at)
    }

    static func events(_ kind: WorkloadKind, _ prefix: String, count: Int, from first: Int = 0) -> [SkillInvocation] {
        (first..<(first + count)).map { event(kind, prefix, $0) }
    }

    /// A NUL-terminated C char array (imported as a tuple) as a String.
    static func text<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { buffer in
            let bytes = buffer.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Runs the C baseline on `kind`'s events; returns the seconds of its insert loop.
    /// With `defaultTempStore` the connection leaves `temp_store` at SQLite's default (no pragma),
    /// as Python's `sqlite3` does; otherwise it runs with the store's `temp_store = MEMORY`.
    static func insertWithC(
        _ kind: WorkloadKind, path: String, prefix: String, first: Int = 0, count: Int, batch: Int, pregenerate: Bool,
        defaultTempStore: Bool = false
    ) throws -> Double {
        var message = [CChar](repeating: 0, count: 512)
        smb_set_workload(kind.cValue)
        smb_set_default_temp_store(defaultTempStore ? 1 : 0)
        defer { smb_set_default_temp_store(0) }
        let seconds = smb_insert_events(
            path, prefix, Int64(first), Int64(count), Int64(batch), pregenerate ? 1 : 0,
            &message, Int32(message.count))
        if seconds < 0 {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw BenchError("C baseline failed on \(path): \(text)")
        }
        return seconds
    }

    /// Writes `kind`'s events as JSONL for the CLI's `append --jsonl` (by the C generator).
    static func writeJSONL(_ kind: WorkloadKind, path: String, prefix: String, count: Int) throws {
        smb_set_workload(kind.cValue)
        guard smb_write_jsonl(path, prefix, 0, Int64(count)) == 0 else {
            throw BenchError("cannot write \(path)")
        }
    }
}

/// A benchmark failure with a message.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
