/// A chunk of a rebuild's fold: the events, and the stored `session_skill` rows read beside
/// them (``ProjectionSet/foldLettingIdenticalSessionRowsGo(_:progress:twoThreadsAbove:)``).
struct SessionCheckedChunk: Sendable {
    var events: EventByteChunk
    var storedRows = StoredSessionRows()
}
