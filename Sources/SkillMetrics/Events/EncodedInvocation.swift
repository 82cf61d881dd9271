/// A typed event with the texts its row stores beyond the event's own fields: the follow-up
/// list and the user context as JSON, the canonical `invoked_at`, and whether the event meets
/// the schema's CHECKs as Swift proves them.
///
/// ``EventLog/appendBatch(encoded:in:validated:projection:locate:progress:)`` and
/// ``EventLog/append(_:in:validated:)`` bind these texts. A bulk writer encodes them ahead
/// (``init(_:)``), possibly on another thread than the one writing; events not validated yet
/// defer it (``init(deferring:)``) to the INSERT, which only sees validated events.
struct EncodedInvocation: Sendable {
    /// The texts of the row.
    struct Texts: Sendable {
        /// The follow-up list as SQLite's `json_array` writes it (``EventLog/actionsJSON(_:)``).
        let actionsJSON: String
        /// The user context as compact JSON, or nil.
        let userContextJSON: String?
        /// `invoked_at` as stored.
        let invokedAtText: String
        /// ``CheckedByConstruction/satisfiesChecks(_:actionsJSON:)``: false sends the event
        /// through an INSERT with the CHECKs on.
        let satisfiesChecks: Bool

        /// Encodes a validated event's texts (the texts of an ``EventLog`` INSERT).
        init(_ event: SkillInvocation) {
            actionsJSON = EventLog.actionsJSON(event.followUpActions)
            userContextJSON = event.userContext.map { JSONWriter(style: .compact).string(.object($0)) }
            invokedAtText = event.invokedAt.canonical
            satisfiesChecks = CheckedByConstruction.satisfiesChecks(event, actionsJSON: actionsJSON)
        }
    }

    let event: SkillInvocation
    private let encoded: Texts?

    /// A validated event, its texts encoded now.
    init(_ event: SkillInvocation) {
        self.event = event
        encoded = Texts(event)
    }

    /// An event whose texts are encoded when it is inserted (after its validation).
    init(deferring event: SkillInvocation) {
        self.event = event
        encoded = nil
    }

    /// The row's texts (encoded now when they were deferred).
    var texts: Texts { encoded ?? Texts(event) }
}
