/// A typed event with the texts its row stores beyond the event's own fields, computed once:
/// the follow-up list and the user context as JSON, the canonical `invoked_at`, and whether
/// the event meets the schema's CHECKs as Swift proves them.
///
/// ``EventLog/appendBatch(encoded:in:validated:projection:locate:progress:)`` binds these
/// texts as they are; a bulk writer may build them on another thread than the one writing.
struct EncodedInvocation: Sendable {
    let event: SkillInvocation
    /// The follow-up list as SQLite's `json_array` writes it (``EventLog/actionsJSON(_:)``).
    let actionsJSON: String
    /// The user context as compact JSON, or nil.
    let userContextJSON: String?
    /// `invoked_at` as stored.
    let invokedAtText: String
    /// ``CheckedByConstruction/satisfiesChecks(_:actionsJSON:)``: false sends the event through
    /// an INSERT with the CHECKs on.
    let satisfiesChecks: Bool

    init(_ event: SkillInvocation) {
        self.event = event
        actionsJSON = EventLog.actionsJSON(event.followUpActions)
        userContextJSON = event.userContext.map { JSONWriter(style: .compact).string(.object($0)) }
        invokedAtText = event.invokedAt.canonical
        satisfiesChecks = CheckedByConstruction.satisfiesChecks(event, actionsJSON: actionsJSON)
    }
}
