import Crypto
import Foundation

/// Turns legacy invocations into events and back; the one place that decides event ids and
/// the `user_context` shape, shared by import, export and ``DualWriteTracker``.
///
/// `user_context` of an imported event holds one key, `legacy`, an object with `dialect`,
/// `position` (index in the file's list), `invoked_at` (the original text), and when needed
/// `duration_literal` and session-buddy's `user_query`, `alternatives_considered`,
/// `selection_rank`.
///
/// Ids are UUID-shaped (version 8) SHA-256 digests of dialect, original `invoked_at` text,
/// position, skill name and state (`finished` or `pending`). They depend only on what the
/// legacy file says about the entry, so re-importing the same file, or a later version in
/// which earlier entries are unchanged, finds the same ids. A pending entry that a later file
/// shows completed gets a distinct id for its completion: both facts stay in the append-only
/// log, and export writes the entry once, in its latest state.
enum LegacyEventBuilder {
    static func eventID(dialect: LegacyDialect, invokedAt: String, position: Int, skillName: String, finished: Bool) -> String {
        // The digest input: the parts, each followed by a NUL byte.
        var input: [UInt8] = []
        input.reserveCapacity(64 + invokedAt.utf8.count + skillName.utf8.count)
        func part(_ text: String) {
            input.append(contentsOf: text.utf8)
            input.append(0)
        }
        part("skill-metrics-legacy-v1")
        part(dialect.rawValue)
        part(invokedAt)
        part(String(position))
        part(skillName)
        part(finished ? "finished" : "pending")
        let digest = SHA256.hash(data: input)
        return digest.withUnsafeBytes { raw -> String in
            String(unsafeUninitializedCapacity: 36) { text in
                let digits: StaticString = "0123456789abcdef"
                let hex = digits.utf8Start
                var length = 0
                for index in 0..<min(16, raw.count) {
                    var byte = raw[index]
                    if index == 6 { byte = (byte & 0x0F) | 0x80 }  // version 8 (custom)
                    if index == 8 { byte = (byte & 0x3F) | 0x80 }  // RFC 4122 variant
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[length] = UInt8(ascii: "-")
                        length += 1
                    }
                    text[length] = hex[Int(byte >> 4)]
                    text[length + 1] = hex[Int(byte & 0x0F)]
                    length += 2
                }
                return length
            }
        }
    }

    /// The UTC instant of an entry's `invoked_at` (naive local in `zone` for crackerjack,
    /// aware for session-buddy). The text was checked when the document was parsed.
    static func instant(of text: String, dialect: LegacyDialect, zone: LegacyTimeZone) -> Timestamp? {
        if let local = LocalDateTime.parse(text) { return zone.utc(from: local) }
        return try? Timestamp.parse(text)
    }

    /// The event for the entry at `position`.
    static func event(
        for invocation: LegacyInvocation, position: Int, dialect: LegacyDialect, zone: LegacyTimeZone
    ) throws -> SkillInvocation {
        guard let start = instant(of: invocation.invokedAt, dialect: dialect, zone: zone) else {
            throw SkillMetricsError.invalidInput(location: "invocations[\(position)].invoked_at", reason: "not a timestamp")
        }
        let pending = invocation.isPending(in: dialect)
        // Built at its final size: one allocation per event (100k of them in a large import).
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(3 + (invocation.durationLiteral == nil ? 0 : 1) + invocation.extra.members.count)
        members.append(("dialect", .string(dialect.rawValue)))
        members.append(("position", .int(position)))
        members.append(("invoked_at", .string(invocation.invokedAt)))
        if let literal = invocation.durationLiteral { members.append(("duration_literal", .string(literal))) }
        members.append(contentsOf: invocation.extra.members)
        let legacy = JSONObject(members)
        let event = SkillInvocation(
            id: eventID(dialect: dialect, invokedAt: invocation.invokedAt, position: position,
                        skillName: invocation.skillName, finished: !pending),
            skillName: invocation.skillName, invokedAt: start, workflowPath: invocation.workflowPath,
            completed: invocation.completed, durationSeconds: invocation.durationSeconds,
            errorType: invocation.errorType, sessionID: invocation.sessionID,
            followUpActions: invocation.followUpActions,
            userContext: JSONObject([("legacy", .object(legacy))]), finished: !pending)
        do {
            // Negative durations are kept: the legacy tracker counted them (see validate).
            try event.validate(allowingNegativeDuration: true)
        } catch {
            throw SkillMetricsError.invalidInput(location: "invocations[\(position)]", reason: error.description)
        }
        return event
    }

    /// What an event's `user_context.legacy` says, when it came from a legacy file.
    struct Origin {
        var dialect: LegacyDialect
        var position: Int
        var invokedAt: String
        var durationLiteral: String?
        var extra: JSONObject
    }

    static func origin(of event: SkillInvocation) -> Origin? {
        guard case .object(let legacy)? = event.userContext?["legacy"],
              case .string(let dialectName)? = legacy["dialect"], let dialect = LegacyDialect(rawValue: dialectName),
              case .number(let position)? = legacy["position"], let index = position.intValue,
              case .string(let invokedAt)? = legacy["invoked_at"]
        else { return nil }
        var literal: String?
        if case .string(let text)? = legacy["duration_literal"] { literal = text }
        var extra = JSONObject()
        for key in LegacyDialect.sessionBuddyExtraKeys {
            if let value = legacy[key] { extra.append(key, value) }
        }
        return Origin(dialect: dialect, position: index, invokedAt: invokedAt, durationLiteral: literal, extra: extra)
    }

    /// The legacy entry an event exports to. Imported events give back their original text;
    /// others (appended after import) get `invoked_at` in the dialect's style: naive local
    /// time in `zone` (crackerjack) or UTC with `+00:00` (session-buddy), Python isoformat.
    static func invocation(for event: SkillInvocation, dialect: LegacyDialect, zone: LegacyTimeZone) -> LegacyInvocation {
        let origin = origin(of: event).flatMap { $0.dialect == dialect ? $0 : nil }
        let invokedAt: String
        if let origin {
            invokedAt = origin.invokedAt
        } else if dialect == .crackerjack {
            invokedAt = zone.local(from: event.invokedAt).pythonISOFormat
        } else {
            invokedAt = LocalDateTime(utcMicroseconds: event.invokedAt.microsecondsSinceEpoch).pythonISOFormat + "+00:00"
        }
        var literal = origin?.durationLiteral
        if let literal0 = literal, let value = event.durationSeconds, Double(literal0) != value { literal = nil }
        var duration = event.durationSeconds
        if dialect == .crackerjack, event.finished, !event.completed, duration == nil {
            // `completed: false` with no duration is crackerjack's unfinished entry, which the
            // legacy rules never count: a finished abandoned event without a duration is written
            // with 0.0 (the legacy completer always measured one), so that reading the file back
            // counts it as abandoned, as the log does.
            duration = 0.0
        }
        return LegacyInvocation(
            skillName: event.skillName, invokedAt: invokedAt, sessionID: event.sessionID,
            workflowPath: event.workflowPath, completed: event.completed,
            durationSeconds: duration, durationLiteral: literal,
            followUpActions: event.followUpActions, errorType: event.errorType,
            extra: origin?.extra ?? JSONObject())
    }
}
