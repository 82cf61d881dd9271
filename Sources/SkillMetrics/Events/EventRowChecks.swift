import Foundation
import GRDB

/// Proves in Swift that a plain `skill_invocation` row meets the table's CHECK constraints, so
/// that a bulk writer copying rows from another log may insert it with them off.
///
/// Rows that are not typed events (a replica's rows pulled from the team log, text kept byte
/// for byte) meet SQLite's CHECKs at about 3 µs a row — nearly half the cost of inserting them
/// — although the server they came from holds the same constraints. ``holdByConstruction(id:skillName:invokedAt:workflowPath:completed:durationSeconds:errorType:sessionID:followUpActions:schemaVersion:userContext:finished:)``
/// answers true only for rows it can prove pass every CHECK of V1 (the server is not trusted:
/// the proof is made here, on the values that will be bound). It is conservative: a row it
/// cannot prove (a user context, an unusual but valid timestamp such as year 0000) answers
/// false, and the caller inserts it with the CHECKs on, so that the schema's own error, or its
/// acceptance, is exactly as before.
///
/// What it proves, column by column, for values bound as text, integer or double:
/// - `id`: 1 to 200 bytes (so at most 200 characters), no U+0000; `skill_name`, `workflow_path`, `error_type`,
///   `session_id`: no U+0000.
/// - `invoked_at`: the canonical `YYYY-MM-DDTHH:MM:SS.ffffffZ` (27 bytes) of a real calendar
///   date in years 0001–9999, hour 00–23, minutes and seconds 00–59 (so SQLite's `strftime`
///   gives the same text back).
/// - `completed`, `finished` 0 or 1, an unfinished event neither completed nor timed;
///   `duration_seconds` NULL or finite; `schema_version` at least 1.
/// - `follow_up_actions`: a JSON array of strings as RFC 8259 writes it (which SQLite 3.40's
///   `json_valid` accepts: no control character in a string, escapes `\" \\ \/ \b \f \n \r \t
///   \uXXXX`), without the six characters `\u0000` anywhere in its text.
/// - `user_context`: NULL (a context is not proven here).
public enum EventRowChecks {
    /// True when the row of these values, bound as text, integers and a double, passes every
    /// CHECK constraint of `skill_invocation`; false when that is not proven.
    public static func holdByConstruction(
        id: String, skillName: String, invokedAt: String, workflowPath: String?, completed: Int,
        durationSeconds: Double?, errorType: String?, sessionID: String?, followUpActions: String,
        schemaVersion: Int, userContext: String?, finished: Int
    ) -> Bool {
        func bytes(_ text: String?, _ body: (UnsafeBufferPointer<UInt8>?) -> Bool) -> Bool {
            guard var text else { return body(nil) }
            return text.withUTF8 { body($0) }
        }
        var id = id, skillName = skillName, invokedAt = invokedAt, followUpActions = followUpActions
        return id.withUTF8 { id in
            skillName.withUTF8 { skill in
                invokedAt.withUTF8 { time in
                    followUpActions.withUTF8 { actions in
                        bytes(workflowPath) { path in
                            bytes(errorType) { error in
                                bytes(sessionID) { session in
                                    holdByConstruction(
                                        id: id, skillName: skill, invokedAt: time, workflowPath: path,
                                        completed: Int64(completed), durationSeconds: durationSeconds, errorType: error,
                                        sessionID: session, followUpActions: actions, schemaVersion: Int64(schemaVersion),
                                        hasUserContext: userContext != nil, finished: Int64(finished))
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// ``holdByConstruction(id:skillName:invokedAt:workflowPath:completed:durationSeconds:errorType:sessionID:followUpActions:schemaVersion:userContext:finished:)``
    /// for texts given as their UTF-8 bytes (bound as they are), and only whether a user
    /// context is there.
    package static func holdByConstruction(
        id: UnsafeBufferPointer<UInt8>, skillName: UnsafeBufferPointer<UInt8>, invokedAt: UnsafeBufferPointer<UInt8>,
        workflowPath: UnsafeBufferPointer<UInt8>?, completed: Int64, durationSeconds: Double?,
        errorType: UnsafeBufferPointer<UInt8>?, sessionID: UnsafeBufferPointer<UInt8>?,
        followUpActions: UnsafeBufferPointer<UInt8>, schemaVersion: Int64, hasUserContext: Bool, finished: Int64
    ) -> Bool {
        guard completed == 0 || completed == 1, finished == 0 || finished == 1,
              finished == 1 || (completed == 0 && durationSeconds == nil),
              schemaVersion >= 1, !hasUserContext
        else { return false }
        if let durationSeconds, !durationSeconds.isFinite { return false }
        guard isEventID(id), hasNoNUL(skillName), workflowPath.map(hasNoNUL) ?? true,
              errorType.map(hasNoNUL) ?? true, sessionID.map(hasNoNUL) ?? true,
              isCanonicalTimestamp(invokedAt), isArrayOfStrings(followUpActions),
              !containsEscapedNUL(followUpActions)
        else { return false }
        return true
    }

    /// Runs `body` with `skill_invocation`'s CHECK constraints off (`PRAGMA
    /// ignore_check_constraints`), restoring them after, also when it throws.
    ///
    /// Only for INSERTs of rows that ``holdByConstruction(id:skillName:invokedAt:workflowPath:completed:durationSeconds:errorType:sessionID:followUpActions:schemaVersion:userContext:finished:)``
    /// proved, inside ``SkillMetricsStore/appendInBulk(_:insertGuards:_:)``'s transaction. The
    /// NOT NULL and UNIQUE constraints and the triggers still apply. Switching the pragma makes
    /// SQLite prepare the connection's statements again: switch it per batch, not per row.
    public static func skippingChecks<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try CheckedByConstruction.withCheckConstraintsOff(db, body)
    }

    /// 1 to 200 bytes (so at most 200 characters, whatever SQLite's `length` counts), no U+0000.
    static func isEventID(_ id: UnsafeBufferPointer<UInt8>) -> Bool {
        (1...200).contains(id.count) && hasNoNUL(id)
    }

    static func hasNoNUL(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = text.baseAddress, !text.isEmpty else { return true }
        return memchr(base, 0, text.count) == nil
    }

    /// The six bytes `\u0000` anywhere (the CHECK's `instr`).
    static func containsEscapedNUL(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let length = escapedNUL.count
        guard text.count >= length else { return false }
        for start in 0...(text.count - length) where text[start] == UInt8(ascii: "\\") {
            if text[start..<(start + length)].elementsEqual(escapedNUL) { return true }
        }
        return false
    }

    private static let escapedNUL: [UInt8] = Array(#"\u0000"#.utf8)

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ` of a real date in years 0001–9999.
    static func isCanonicalTimestamp(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count == 27 else { return false }
        func digit(_ i: Int) -> Int? {
            let v = Int(b[i]) - 48
            return v >= 0 && v <= 9 ? v : nil
        }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard let d = digit(i) else { return nil }
                value = value * 10 + d
            }
            return value
        }
        guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "."),
              b[26] == UInt8(ascii: "Z"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              number(20..<26) != nil,
              year >= 1, (1...12).contains(month), day >= 1, hour <= 23, minute <= 59, second <= 59
        else { return false }
        switch month {
        case 2:
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            return day <= (leap ? 29 : 28)
        case 4, 6, 9, 11: return day <= 30
        default: return day <= 31
        }
    }

    /// A JSON array whose elements are all strings, RFC 8259 syntax.
    static func isArrayOfStrings(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        func skipSpace() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
        }
        func isHex(_ c: UInt8) -> Bool {
            (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
        }
        /// A string starting at b[i] == '"'; leaves i after its closing quote.
        func string() -> Bool {
            i += 1
            while i < b.count {
                let c = b[i]
                if c < 0x20 { return false }
                if c == UInt8(ascii: "\"") { i += 1; return true }
                if c == UInt8(ascii: "\\") {
                    guard i + 1 < b.count else { return false }
                    switch b[i + 1] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                         UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        i += 2
                    case UInt8(ascii: "u"):
                        guard i + 5 < b.count, isHex(b[i + 2]), isHex(b[i + 3]), isHex(b[i + 4]), isHex(b[i + 5])
                        else { return false }
                        i += 6
                    default:
                        return false
                    }
                    continue
                }
                i += 1
            }
            return false
        }
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: "[") else { return false }
        i += 1
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "]") {
            i += 1
        } else {
            while true {
                guard i < b.count, b[i] == UInt8(ascii: "\""), string() else { return false }
                skipSpace()
                guard i < b.count else { return false }
                if b[i] == UInt8(ascii: ",") {
                    i += 1
                    skipSpace()
                    continue
                }
                guard b[i] == UInt8(ascii: "]") else { return false }
                i += 1
                break
            }
        }
        skipSpace()
        return i == b.count
    }
}
