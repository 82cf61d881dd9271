import GRDB

/// Which events the bulk paths may insert with SQLite's CHECK constraints switched off.
///
/// `skill_invocation`'s CHECKs (V1) guard the table against any client. The rows EventLog binds
/// for a validated ``SkillInvocation`` satisfy most of them by construction: the id, names and
/// paths are bound as text that ``SkillInvocation/validate(allowingNegativeDuration:)`` checked
/// (non-empty id of at most 200 bytes, so at most 200 characters; no U+0000), `invoked_at` is a
/// ``Timestamp``'s canonical text within years 0001–9999 (a real calendar date by construction),
/// durations are finite doubles bound as REAL, flags are 0 or 1, the schema version is at least
/// 1, and an unfinished event has no completion and no duration. The two that depend on text
/// the writer produces are checked here: the follow-up JSON must not contain the six characters
/// `\u0000` (the V1 CHECK refuses them even when they are an escaped backslash), and a user
/// context must be JSON that SQLite 3.40's `json_valid` accepts (finite numbers only, nesting
/// well under its depth limit). An event that fails this test is inserted with the CHECKs on,
/// so its error is the schema's, exactly as before.
///
/// Only EventLog's typed appends inside a bulk load (``BulkProjectionLoad``, or an incremental
/// batch in the writer's bulk mode, ``WriterBulkMode``) switch the CHECKs off: that load
/// already makes SQLite prepare every statement again (the projection triggers are dropped and
/// re-created, or the connection's trigger setting changes), so switching
/// `PRAGMA ignore_check_constraints` there costs nothing more. Rows from anywhere else (a
/// plain INSERT by another client, rows copied from another log) always meet the CHECKs.
enum CheckedByConstruction {
    /// True when the row EventLog binds for `event` (already validated) passes every CHECK of
    /// `skill_invocation`, so that inserting it with the CHECKs off stores the same row.
    static func satisfiesChecks(_ event: SkillInvocation, actionsJSON: String) -> Bool {
        if containsEscapedNUL(actionsJSON) { return false }
        if let context = event.userContext, !isValidJSON(.object(context), depth: 0) { return false }
        return true
    }

    /// True when the UTF-8 bytes of `text` contain the six characters `\u0000` (as the
    /// CHECK's `instr(follow_up_actions, '\u0000')` compares them: bytes, no normalisation).
    /// A plain scan for the backslash, the six bytes compared only there: Foundation's generic
    /// `firstRange(of:)` cost ~12k instructions a call, 12% of a bulk append.
    static func containsEscapedNUL(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { EventRowChecks.containsEscapedNUL($0) }
    }

    /// Nesting kept far below SQLite's JSON depth limit (2,000 in 3.40).
    static let maximumDepth = 500

    private static func isValidJSON(_ value: JSONValue, depth: Int) -> Bool {
        if depth > maximumDepth { return false }
        switch value {
        case .null, .bool, .string: return true
        case .number(let number): return number.doubleValue.isFinite
        case .array(let elements): return elements.allSatisfy { isValidJSON($0, depth: depth + 1) }
        case .object(let object): return object.members.allSatisfy { isValidJSON($0.value, depth: depth + 1) }
        }
    }

    /// Whether the connection currently skips CHECK constraints.
    static func checksIgnored(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "PRAGMA ignore_check_constraints") ?? false
    }

    /// Runs `body` with the CHECK constraints enforced, restoring the connection's setting after.
    static func withChecks<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        guard try checksIgnored(db) else { return try body() }
        try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        defer { try? db.execute(sql: "PRAGMA ignore_check_constraints = ON") }
        return try body()
    }

    /// Runs `body` with the CHECK constraints off and the insert guard triggers suspended
    /// (``BulkProjectionLoad/suspendingInsertGuards(_:_:)``): the bulk paths' typed INSERTs, in
    /// their transaction.
    static func withoutChecks<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try BulkProjectionLoad.suspendingInsertGuards(db) { try withCheckConstraintsOff(db, body) }
    }

    static func withCheckConstraintsOff<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
        do {
            let result = try body()
            try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
            return result
        } catch {
            try? db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
            throw error
        }
    }
}
