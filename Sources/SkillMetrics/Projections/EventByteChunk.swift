/// A run of stored events' projection columns copied out of SQLite's buffers: the hand-over
/// of a fold split over two threads, the one stepping the statement (which holds the
/// connection) and the one interning and folding (``ProjectionSet``).
///
/// The columns' types were checked when copied (``append(_:)``); the follow-up list's text is
/// checked by whoever folds it, as ``ProjectionSet/apply(_:)-(StoredEventBytes)`` does.
struct EventByteChunk: Sendable {
    /// One event: its fixed columns and where its texts are in ``bytes`` (a length of -1: NULL).
    private struct Record: Sendable {
        var seq: Int64
        var durationSeconds: Double?
        var completed: Bool
        var finished: Bool
        /// Offsets into ``bytes``: skill, invoked_at, workflow_path, error_type, session_id,
        /// follow_up_actions.
        var starts: (Int, Int, Int, Int, Int, Int)
        var lengths: (Int, Int, Int, Int, Int, Int)
    }

    private var records: [Record] = []
    private var bytes: [UInt8] = []

    /// The events in the chunk.
    var count: Int { records.count }

    /// The texts held, in bytes (a chunk is sent once it passes a size).
    var byteCount: Int { bytes.count }

    init(capacity: Int) {
        records.reserveCapacity(capacity)
        bytes.reserveCapacity(capacity * 160)
    }

    /// Copies the current row of `row` (a statement over ``ProjectionEvent/selectSQL``), its
    /// columns checked in the order ``InternedEvent/forEach(_:after:through:vocabulary:_:)``
    /// checks them, with the same errors (a wrong type in a later column of a row whose
    /// follow-up list is not a JSON array of strings reports the list, as that loop would).
    mutating func append(_ row: EventColumns) throws {
        let actions = try row.textBytes(8)
        do {
            let skill = try row.textBytes(1)
            let invokedAt = try row.textBytes(2)
            let path = row.isNull(3) ? nil : try row.textBytes(3)
            let completed = try row.flag(4)
            let duration = try row.optionalDouble(5)
            let error = row.isNull(6) ? nil : try row.textBytes(6)
            let session = row.isNull(7) ? nil : try row.textBytes(7)
            let finished = try row.flag(9)
            let skillText = copy(skill), timeText = copy(invokedAt), pathText = copy(path)
            let errorText = copy(error), sessionText = copy(session), actionsText = copy(actions)
            records.append(Record(
                seq: row.seq, durationSeconds: duration, completed: completed, finished: finished,
                starts: (skillText.start, timeText.start, pathText.start, errorText.start, sessionText.start, actionsText.start),
                lengths: (skillText.length, timeText.length, pathText.length, errorText.length, sessionText.length, actionsText.length)))
        } catch {
            var scratch: [Void] = []
            guard EventLog.scanActions(actions, into: &scratch, { _ in () }) else {
                throw row.bad(8, "not a JSON array of strings")
            }
            throw error
        }
    }

    private mutating func copy(_ text: UnsafeBufferPointer<UInt8>?) -> (start: Int, length: Int) {
        guard let text else { return (0, -1) }
        let start = bytes.count
        bytes.append(contentsOf: text)
        return (start, text.count)
    }

    /// Calls `body` with each event in order, its texts borrowed from the chunk for the call.
    func forEach(_ body: (StoredEventBytes) throws -> Void) rethrows {
        try bytes.withUnsafeBufferPointer { buffer in
            func text(_ start: Int, _ length: Int) -> UnsafeBufferPointer<UInt8>? {
                guard length >= 0 else { return nil }
                return UnsafeBufferPointer(rebasing: buffer[start..<start + length])
            }
            let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
            for record in records {
                try body(StoredEventBytes(
                    seq: record.seq,
                    skillName: text(record.starts.0, record.lengths.0) ?? empty,
                    invokedAt: text(record.starts.1, record.lengths.1) ?? empty,
                    workflowPath: text(record.starts.2, record.lengths.2),
                    completed: record.completed, durationSeconds: record.durationSeconds,
                    errorType: text(record.starts.3, record.lengths.3),
                    sessionID: text(record.starts.4, record.lengths.4),
                    followUpActions: text(record.starts.5, record.lengths.5) ?? empty,
                    finished: record.finished))
            }
        }
    }
}
