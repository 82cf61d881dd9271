import SkillMetrics

/// The per-event rules a team log row must meet — the server's own CHECKs, which the local
/// schema and the fold share — checked in Swift on rows as they are read, so that a row changed
/// past the server's checks (a superuser with the triggers disabled) is refused by `pull` (a
/// clone and an incremental pull alike) and by `verify --db postgres://…`, naming its seq and
/// field, rather than stored differently (a NaN duration bound as NULL) or folded as if valid.
///
/// Each function returns the first rule broken as a ``TeamLogError/badEvent(seq:id:field:value:reason:)``
/// (nil when none). The common row costs a length check of its id, a parse of its 27-byte
/// timestamp and a few comparisons; a user context, when there is one, is parsed.
enum ServerEventRules {
    /// The rules for one row's values, texts as their bytes. `followUpActions` nil: checked by
    /// the caller (the fold reads it anyway); `id`, `schemaVersion`, `userContext` nil when the
    /// read did not fetch them (`hasUserContext` false: NULL or not fetched).
    static func violation(
        seq: Int64, id: UnsafeBufferPointer<UInt8>?, invokedAt: UnsafeBufferPointer<UInt8>, completed: Int64, finished: Int64,
        durationSeconds: Double?, followUpActions: UnsafeBufferPointer<UInt8>?, schemaVersion: Int64?,
        userContext: UnsafeBufferPointer<UInt8>?
    ) -> TeamLogError? {
        func bad(_ field: String, _ value: String?, _ reason: String) -> TeamLogError {
            .badEvent(seq: seq, id: id.map { String(decoding: $0, as: UTF8.self) }, field: field, value: value, reason: reason)
        }
        func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
        guard seq >= 1 else { return bad("seq", nil, "below 1 (the log's identity column starts at 1)") }
        if let id, !EventRules.isEventID(id) {
            return bad("id", text(id), "not 1 to 200 characters (it has \(id.count) bytes)")
        }
        guard EventRules.isCanonicalTimestamp(invokedAt) else {
            return bad("invoked_at", text(invokedAt), "not a canonical UTC timestamp (YYYY-MM-DDTHH:MM:SS.ffffffZ of a real date)")
        }
        guard completed == 0 || completed == 1 else { return bad("completed", String(completed), "not 0 or 1") }
        guard finished == 0 || finished == 1 else { return bad("finished", String(finished), "not 0 or 1") }
        if let durationSeconds, !durationSeconds.isFinite {
            return bad("duration_seconds", "\(durationSeconds)", "not a finite number")
        }
        guard finished == 1 || (completed == 0 && durationSeconds == nil) else {
            return bad("finished", "0", "0 for an event that is completed or timed (an unfinished event is neither)")
        }
        if let followUpActions, !EventRules.isFollowUpList(followUpActions) {
            return bad("follow_up_actions", text(followUpActions), "not a JSON array of strings")
        }
        if let schemaVersion, schemaVersion < 1 { return bad("schema_version", String(schemaVersion), "below 1") }
        if let userContext, !EventRules.isJSONObject(userContext) {
            return bad("user_context", text(userContext), "not a JSON object")
        }
        return nil
    }

    /// ``violation(seq:id:invokedAt:completed:finished:durationSeconds:followUpActions:schemaVersion:userContext:)``
    /// for a decoded event (an incremental pull's rows), every column checked.
    static func violation(_ event: TeamLogEvent) -> TeamLogError? {
        var id = event.id, invokedAt = event.invokedAt, actions = event.followUpActions
        return id.withUTF8 { id in
            invokedAt.withUTF8 { time in
                actions.withUTF8 { actions in
                    func check(_ userContext: UnsafeBufferPointer<UInt8>?) -> TeamLogError? {
                        violation(
                            seq: event.seq, id: id, invokedAt: time, completed: Int64(event.completed),
                            finished: Int64(event.finished), durationSeconds: event.durationSeconds, followUpActions: actions,
                            schemaVersion: Int64(event.schemaVersion), userContext: userContext)
                    }
                    guard var context = event.userContext else { return check(nil) }
                    return context.withUTF8 { check($0) }
                }
            }
        }
    }
}
