/// Folds events, in seq order, into `session_skill` rows: one per (session id, skill) pair
/// of finished events that carry a session id.
///
/// On a log whose sessions keep arriving the pairs grow with the log, so each pair is kept
/// compact while folding (text ids and packed timestamps, no strings: about 60 bytes) and
/// becomes a ``SessionSkillRow`` only when read.
public struct SessionSkillProjector: Sendable {

    /// A row as the fold keeps it.
    struct Entry: Sendable {
        var session: Int
        var skill: Int
        var invocationCount: Int
        var firstInvokedAt: EventTime
        var lastInvokedAt: EventTime
        var totalDurationSeconds: Double
        var firstSeq: Int64
        var lastSeq: Int64
    }

    /// The texts the folded events carried (shared with the other projectors of a ``ProjectionSet``).
    var vocabulary = FoldVocabulary()
    /// The rows in order of first appearance (in blocks: the rows are most of the fold's memory
    /// on a log whose sessions keep arriving, and an `Array` would copy them as it grows).
    private(set) var entries = ChunkedArray<Entry>()
    /// Each pair's position among `entries` plus one (0: an empty slot), by open addressing
    /// (linear probing, at most half full) on a hash of the pair's two ids. Four bytes a slot:
    /// on a log whose sessions keep arriving this index is a large part of the fold's memory
    /// (a `Dictionary` of two-`Int` keys took 24 bytes a bucket, hashed with SipHash). Positions
    /// fit in 32 bits: 2³¹ entries of 64 bytes would need 128 GiB.
    private var slots = [Int32](repeating: 0, count: 64)
    /// Chosen per projector, so that no log can be crafted to make the pairs collide.
    private let seed = UInt64.random(in: 1...UInt64.max)
    /// Rows let go by ``letIdenticalRowsGo(_:)``: the first this many, in order of first
    /// appearance, are no longer held (``rowCount`` still counts them).
    private(set) var releasedCount = 0
    /// The most rows held at once.
    private(set) var peakHeldRows = 0

    public init() {}

    /// The rows in order of first appearance.
    public var rows: [SessionSkillRow] { Array(lazyRows) }

    /// The rows in order of first appearance, each made when read (a table of them is never
    /// held whole: rebuild and verify stream it). Indexed by position among all rows; after
    /// ``letIdenticalRowsGo(_:)`` only the rows still held.
    var lazyRows: LazyMapCollection<LazyMapCollection<Range<Int>, Entry>, SessionSkillRow> {
        let names = vocabulary
        return heldEntries.map { entry in
            SessionSkillRow(
                sessionID: names[entry.session], skillName: names[entry.skill],
                invocationCount: entry.invocationCount,
                firstInvokedAt: names[entry.firstInvokedAt], lastInvokedAt: names[entry.lastInvokedAt],
                totalDurationSeconds: entry.totalDurationSeconds, firstSeq: entry.firstSeq, lastSeq: entry.lastSeq)
        }
    }

    /// The rows still held, in order of first appearance.
    var heldEntries: LazyMapCollection<Range<Int>, Entry> {
        let entries = self.entries
        return (releasedCount..<entries.count).lazy.map { entries[$0] }
    }

    /// Lets the oldest rows still held go, in order of first appearance, while `isIdentical`
    /// accepts each (rebuild and verify: the row equals its stored counterpart).
    ///
    /// A pair let go is forgotten: should another of its events come, it starts a new row,
    /// which then cannot equal the stored table (whose key is unique) — the caller's
    /// comparison fails rather than a count being wrong.
    mutating func letIdenticalRowsGo(_ isIdentical: (Entry) -> Bool) {
        var gone = 0
        while releasedCount + gone < entries.count, isIdentical(entries[releasedCount + gone]) {
            gone += 1
        }
        guard gone > 0 else { return }
        releasedCount += gone
        entries.releaseBlocks(below: releasedCount)
        place(into: Swift.max(64, Self.slotCount(for: entries.count - releasedCount)))
    }

    /// A power of two at least twice `rows` (the slots stay at most half full).
    private static func slotCount(for rows: Int) -> Int {
        var count = 64
        while count < rows * 2 { count *= 2 }
        return count
    }

    /// The `session_skill` columns, in the order ``bind(row:to:from:)`` binds them.
    static let columns = [
        "session_id", "skill_name", "invocation_count", "first_invoked_at", "last_invoked_at",
        "total_duration_seconds", "first_seq", "last_seq",
    ]

    /// Binds row `index`'s values to `statement`'s parameters from `first` on, in the order of
    /// ``columns``, texts straight from the vocabulary's bytes.
    func bind(row index: Int, to statement: RawStatement, from first: CInt) {
        let entry = entries[index]
        vocabulary.withBytes(of: entry.session) { statement.bind(first, bytes: $0) }
        vocabulary.withBytes(of: entry.skill) { statement.bind(first + 1, bytes: $0) }
        statement.bind(first + 2, entry.invocationCount)
        vocabulary.withBytes(of: entry.firstInvokedAt) { statement.bind(first + 3, bytes: $0) }
        vocabulary.withBytes(of: entry.lastInvokedAt) { statement.bind(first + 4, bytes: $0) }
        statement.bind(first + 5, entry.totalDurationSeconds)
        statement.bind(first + 6, entry.firstSeq)
        statement.bind(first + 7, entry.lastSeq)
    }

    /// The number of rows.
    public var rowCount: Int { entries.count }

    /// The position among ``rows`` of the pair whose texts have these UTF-8 bytes, or nil when
    /// the fold has no such pair (looked up without making a `String`).
    package func position(session: UnsafeBufferPointer<UInt8>, skill: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let session = vocabulary.existingID(bytes: session), let skill = vocabulary.existingID(bytes: skill) else {
            return nil
        }
        return find(session: session, skill: skill).position
    }

    /// Row `position` of ``rows`` (made when asked).
    package func row(at position: Int) -> SessionSkillRow {
        lazyRows[position]
    }

    /// True when row `position` holds exactly these values: texts by bytes, the total by bit
    /// pattern (the pair's own texts are matched by ``position(session:skill:)``).
    package func row(
        at position: Int, hasInvocationCount invocationCount: Int64, firstInvokedAt: UnsafeBufferPointer<UInt8>,
        lastInvokedAt: UnsafeBufferPointer<UInt8>, totalDurationSeconds: Double, firstSeq: Int64, lastSeq: Int64
    ) -> Bool {
        let entry = entries[position]
        return Int64(entry.invocationCount) == invocationCount
            && entry.totalDurationSeconds.bitPattern == totalDurationSeconds.bitPattern
            && entry.firstSeq == firstSeq && entry.lastSeq == lastSeq
            && vocabulary.withBytes(of: entry.firstInvokedAt) { $0.elementsEqual(firstInvokedAt) }
            && vocabulary.withBytes(of: entry.lastInvokedAt) { $0.elementsEqual(lastInvokedAt) }
    }

    public mutating func apply(_ event: ProjectionEvent) {
        guard event.finished, event.sessionID != nil else { return }
        let interned = vocabulary.intern(event)
        apply(interned)
    }

    /// Folds one event whose texts are ids of the vocabulary the rows will be read with.
    mutating func apply(_ event: InternedEvent) {
        guard event.finished, event.session >= 0 else { return }
        // One hash of the pair (two integers) per event; the row is updated in place.
        let (found, slot) = find(session: event.session, skill: event.skill)
        if let position = found {
            entries[position].invocationCount += 1
            entries[position].lastInvokedAt = event.invokedAt
            entries[position].lastSeq = event.seq
            if let duration = event.durationSeconds {
                entries[position].totalDurationSeconds += duration
            }
        } else {
            entries.append(Entry(
                session: event.session, skill: event.skill, invocationCount: 1,
                firstInvokedAt: event.invokedAt, lastInvokedAt: event.invokedAt,
                totalDurationSeconds: 0.0 + (event.durationSeconds ?? 0.0),
                firstSeq: event.seq, lastSeq: event.seq))
            slots[slot] = Int32(truncatingIfNeeded: entries.count)
            peakHeldRows = Swift.max(peakHeldRows, entries.count - releasedCount)
            if (entries.count - releasedCount) * 2 > slots.count { grow() }
        }
    }

    /// The position of the pair among `entries` (nil when new) and the slot it has or would take.
    private func find(session: Int, skill: Int) -> (position: Int?, slot: Int) {
        let mask = slots.count - 1
        var slot = Self.slot(session: session, skill: skill, seed: seed, mask: mask)
        while true {
            let stored = Int(slots[slot])
            if stored == 0 { return (nil, slot) }
            let entry = entries[stored - 1]
            if entry.session == session && entry.skill == skill { return (stored - 1, slot) }
            slot = (slot + 1) & mask
        }
    }

    /// Doubles the slots and places every held entry again (only the new table is allocated).
    private mutating func grow() {
        place(into: slots.count * 2)
    }

    /// Makes `count` slots (a power of two) and places every held entry in them.
    private mutating func place(into count: Int) {
        var placed = [Int32](repeating: 0, count: count)
        let mask = count - 1
        for index in releasedCount..<entries.count {
            let entry = entries[index]
            var slot = Self.slot(session: entry.session, skill: entry.skill, seed: seed, mask: mask)
            while placed[slot] != 0 { slot = (slot + 1) & mask }
            placed[slot] = Int32(truncatingIfNeeded: index + 1)
        }
        slots = placed
    }

    private static func slot(session: Int, skill: Int, seed: UInt64, mask: Int) -> Int {
        var hash = seed ^ UInt64(truncatingIfNeeded: session) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash ^ UInt64(truncatingIfNeeded: skill)) &* 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 31
        hash = hash &* 0x94D0_49BB_1331_11EB
        hash ^= hash >> 29
        return Int(truncatingIfNeeded: hash) & mask
    }
}
