import CSQLiteBaseline
import Foundation
import SkillMetrics

/// The benchmark's events: one deterministic generator (in C, `smb_make_event`) shared by the
/// Swift library's side and the C baseline, so both write identical rows.
enum Workload {
    /// Event `index` as the library's ``SkillInvocation``.
    static func event(_ prefix: String, _ index: Int) -> SkillInvocation {
        var raw = smb_event()
        smb_make_event(prefix, Int64(index), &raw)
        var actions: [String] = []
        if raw.action_count >= 1 { actions.append(text(raw.actions.0)) }
        if raw.action_count >= 2 { actions.append(text(raw.actions.1)) }
        return SkillInvocation(
            id: text(raw.id),
            skillName: text(raw.skill_name),
            invokedAt: Timestamp(microsecondsSinceEpoch: raw.invoked_at_us),
            workflowPath: raw.has_workflow_path != 0 ? text(raw.workflow_path) : nil,
            completed: raw.completed != 0,
            durationSeconds: raw.has_duration != 0 ? raw.duration_seconds : nil,
            errorType: raw.has_error_type != 0 ? text(raw.error_type) : nil,
            sessionID: raw.has_session_id != 0 ? text(raw.session_id) : nil,
            followUpActions: actions)
    }

    /// The C generator's canonical `invoked_at` text of event `index` (a self-check).
    static func invokedAtText(_ index: Int) -> String {
        var raw = smb_event()
        smb_make_event("check", Int64(index), &raw)
        return text(raw.invoked_at)
    }

    static func events(_ prefix: String, count: Int, from first: Int = 0) -> [SkillInvocation] {
        (first..<(first + count)).map { event(prefix, $0) }
    }

    /// A NUL-terminated C char array (imported as a tuple) as a String.
    static func text<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { buffer in
            let bytes = buffer.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Runs the C baseline; returns the seconds of its insert loop.
    static func insertWithC(
        path: String, prefix: String, first: Int = 0, count: Int, batch: Int, pregenerate: Bool
    ) throws -> Double {
        var message = [CChar](repeating: 0, count: 512)
        let seconds = smb_insert_events(
            path, prefix, Int64(first), Int64(count), Int64(batch), pregenerate ? 1 : 0,
            &message, Int32(message.count))
        if seconds < 0 {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw BenchError("C baseline failed on \(path): \(text)")
        }
        return seconds
    }
}

/// A benchmark failure with a message.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
