/// Folds events, in seq order, into `session_skill` rows: one per (session id, skill) pair
/// of finished events that carry a session id.
///
/// On a log whose sessions keep arriving the pairs grow with the log, so each pair is kept
/// compact while folding (text ids and packed timestamps, no strings: about 60 bytes) and
/// becomes a ``SessionSkillRow`` only when read.
public struct SessionSkillProjector: Sendable {
    private struct Key: Hashable, Sendable {
        var session: Int
        var skill: Int
    }

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
    /// The rows in order of first appearance, and each key's position among them.
    private(set) var entries: [Entry] = []
    private var positions: [Key: Int] = [:]

    public init() {}

    /// The rows in order of first appearance.
    public var rows: [SessionSkillRow] { Array(lazyRows) }

    /// The rows in order of first appearance, each made when read (a table of them is never
    /// held whole: rebuild and verify stream it).
    var lazyRows: LazyMapCollection<[Entry], SessionSkillRow> {
        let names = vocabulary
        return entries.lazy.map { entry in
            SessionSkillRow(
                sessionID: names[entry.session], skillName: names[entry.skill],
                invocationCount: entry.invocationCount,
                firstInvokedAt: names[entry.firstInvokedAt], lastInvokedAt: names[entry.lastInvokedAt],
                totalDurationSeconds: entry.totalDurationSeconds, firstSeq: entry.firstSeq, lastSeq: entry.lastSeq)
        }
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
        return positions[Key(session: session, skill: skill)]
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
        let key = Key(session: event.session, skill: event.skill)
        // One hash of the key (two integers) per event; the row is updated in place.
        if let position = positions[key] {
            entries[position].invocationCount += 1
            entries[position].lastInvokedAt = event.invokedAt
            entries[position].lastSeq = event.seq
            if let duration = event.durationSeconds {
                entries[position].totalDurationSeconds += duration
            }
        } else {
            positions[key] = entries.count
            entries.append(Entry(
                session: event.session, skill: event.skill, invocationCount: 1,
                firstInvokedAt: event.invokedAt, lastInvokedAt: event.invokedAt,
                totalDurationSeconds: 0.0 + (event.durationSeconds ?? 0.0),
                firstSeq: event.seq, lastSeq: event.seq))
        }
    }
}
