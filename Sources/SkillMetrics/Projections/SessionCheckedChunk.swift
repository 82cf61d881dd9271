/// A chunk of the fold that lets session rows go (rebuild's and verify's): the events, and the stored `session_skill` rows read beside
/// them (``ProjectionSet/foldLettingIdenticalSessionRowsGo(_:progress:twoThreadsAbove:)``).
struct SessionCheckedChunk: Sendable {
    var events: EventByteChunk
    var storedRows = StoredSessionRows()
}
