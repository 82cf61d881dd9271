import GRDB

/// An event as the projectors fold it: its texts replaced by their ids in the fold's
/// ``FoldVocabulary`` (the timestamp packed into an ``EventTime``).
struct InternedEvent {
    var seq: Int64
    var skill: Int
    var invokedAt: EventTime
    /// -1 when NULL (``FoldVocabulary/empty`` for an empty path).
    var workflowPath: Int
    var completed: Bool
    var durationSeconds: Double?
    /// -1 when NULL.
    var errorType: Int
    /// -1 when NULL.
    var session: Int
    var followUpActions: [Int]
    var finished: Bool

    /// Streams the stored events with `after < seq <= through` in seq order, interning their
    /// texts straight from SQLite's buffers (no `String` is made). The columns are checked as
    /// ``ProjectionEvent/forEach(_:after:through:_:)`` checks them, with the same errors (a
    /// text that is not valid UTF-8 included, found through the vocabulary's count of repaired
    /// texts, so that ASCII texts cost no second scan).
    static func forEach(
        _ db: Database, after: Int64, through: Int64, vocabulary: inout FoldVocabulary,
        _ body: (InternedEvent) throws -> Void
    ) throws {
        let statement = try db.makeStatement(sql: ProjectionEvent.selectSQL)
        try statement.setArguments([after, through])
        var row = EventColumns(statement)
        var actions: [Int] = []
        let repaired = vocabulary.repairedTexts
        while try row.step(db) {
            actions.removeAll(keepingCapacity: true)
            let listed = EventLog.scanActions(try row.textBytes(8), into: &actions) { vocabulary.id(bytes: $0) }
            guard listed else { throw row.bad(8, "not a JSON array of strings") }
            let skill = vocabulary.id(bytes: try row.textBytes(1))
            let invokedAt = vocabulary.time(bytes: try row.textBytes(2))
            let path = row.isNull(3) ? -1 : vocabulary.id(bytes: try row.textBytes(3))
            let completed = try row.flag(4)
            let duration = try row.optionalDouble(5)
            let error = row.isNull(6) ? -1 : vocabulary.id(bytes: try row.textBytes(6))
            let session = row.isNull(7) ? -1 : vocabulary.id(bytes: try row.textBytes(7))
            guard vocabulary.repairedTexts == repaired else { throw row.invalidUTF8() }
            try body(InternedEvent(
                seq: row.seq, skill: skill, invokedAt: invokedAt, workflowPath: path, completed: completed,
                durationSeconds: duration, errorType: error, session: session, followUpActions: actions,
                finished: try row.flag(9)))
        }
    }
}

extension FoldVocabulary {
    /// The event with its texts interned.
    mutating func intern(_ event: ProjectionEvent) -> InternedEvent {
        InternedEvent(
            seq: event.seq, skill: id(event.skillName), invokedAt: time(event.invokedAt),
            workflowPath: event.workflowPath.map { id($0) } ?? -1, completed: event.completed,
            durationSeconds: event.durationSeconds, errorType: event.errorType.map { id($0) } ?? -1,
            session: event.sessionID.map { id($0) } ?? -1, followUpActions: event.followUpActions.map { id($0) },
            finished: event.finished)
    }
}
