/// The per-event rules of the log, each on its own, for a reader that must refuse a row that
/// breaks one and name the field (the team log's `pull` and `verify`, reading rows that may
/// have been changed past the server's checks). The same functions the bulk paths use:
/// ``EventRowChecks`` for the shape of an id and a timestamp, the fold's follow-up scanner, the
/// core's JSON parser for a user context.
package enum EventRules {
    /// 1 to 200 characters, no U+0000 (the `id` CHECK; characters, as SQLite's and PostgreSQL's
    /// `length` count them).
    package static func isEventID(_ id: UnsafeBufferPointer<UInt8>) -> Bool {
        if EventRowChecks.isEventID(id) { return true }
        guard !id.isEmpty, id.count <= 800, EventRowChecks.hasNoNUL(id) else { return false }
        var characters = 0
        for byte in id where byte & 0xC0 != 0x80 { characters += 1 }
        return characters <= 200
    }

    /// The canonical `YYYY-MM-DDTHH:MM:SS.ffffffZ` of a real date in years 0001–9999.
    package static func isCanonicalTimestamp(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        EventRowChecks.isCanonicalTimestamp(text)
    }

    /// A JSON array of strings as the fold reads it (``ProjectionSet/apply(_:)-(StoredEventBytes)``
    /// refuses every other follow-up list, a lone surrogate escape included).
    package static func isFollowUpList(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var none: [Void] = []
        return EventLog.scanActions(text, into: &none) { _ in () }
    }

    /// A JSON object (the `user_context` CHECK: valid JSON whose type is object).
    package static func isJSONObject(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard case .object = try? JSONParser().parse(text) else { return false }
        return true
    }
}
