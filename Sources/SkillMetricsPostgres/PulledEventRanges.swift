import GRDB
import SkillMetrics

/// The local seqs that pulls from one team log appended (table `sync_pulled_range`, schema V14),
/// so that a push to that log leaves them out: they came from it.
///
/// Push's cursor is the server's `max(source_seq)` for this database's source, and pulled events
/// are not this source's, so the cursor never passes them; without the ranges a replica sent
/// every pulled event back on every push, each looked up on the server and skipped. A pull
/// records the seqs it appended in the same transaction as the events
/// (``record(serverID:appendedAfter:_:)``); a range that follows the log's previous one extends
/// it. The ranges of other logs do not count: a replica pushing to another team log sends them.
struct PulledEventRanges: Sendable, Equatable {
    /// Sorted by their first seq, disjoint, below `Int64.max` (one pull's seqs are those its
    /// transaction appended; ``load(serverID:_:)`` refuses anything else).
    private(set) var ranges: [ClosedRange<Int64>]

    init(_ ranges: [ClosedRange<Int64>]) {
        self.ranges = ranges.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// The ranges pulled from the team log `serverID` into the database of `db`.
    static func load(serverID: String, _ db: Database) throws -> PulledEventRanges {
        let rows = try Row.fetchAll(
            db, sql: "SELECT first_seq, last_seq FROM sync_pulled_range WHERE server_id = ? ORDER BY first_seq",
            arguments: [serverID])
        var ranges: [ClosedRange<Int64>] = []
        for row in rows {
            let first = try row.decode(Int64.self, atIndex: 0), last = try row.decode(Int64.self, atIndex: 1)
            // Rows of another program (or an edited file): refused rather than trusted to skip events.
            guard first >= 1, first <= last, last != Int64.max, first > (ranges.last?.upperBound ?? 0) else {
                throw SkillMetricsError.invalidInput(
                    location: "sync_pulled_range",
                    reason: "the range \(first)…\(last) pulled from server \(serverID) is not a range of seqs after the ones before it")
            }
            ranges.append(first...last)
        }
        return PulledEventRanges(ranges)
    }

    /// Whether any pull recorded ranges in the database of `db` (one row read).
    static func anyRecorded(_ db: Database) throws -> Bool {
        try Row.fetchOne(db, sql: "SELECT 1 FROM sync_pulled_range LIMIT 1") != nil
    }

    /// Records, inside the pull's write transaction, that the events with seqs above
    /// `previousLastSeq` (the log's last seq before the pull appended) came from `serverID`.
    /// Appends nothing when the log did not grow; extends the log's range that ends at
    /// `previousLastSeq`, if there is one.
    static func record(serverID: String, appendedAfter previousLastSeq: Int64, _ db: Database) throws {
        let last = try SkillMetricsStore.maxSeq(db)
        guard last > previousLastSeq else { return }
        try db.execute(sql: "UPDATE sync_pulled_range SET last_seq = ? WHERE server_id = ? AND last_seq = ?",
                       arguments: [last, serverID, previousLastSeq])
        if db.changesCount == 0 {
            try db.execute(sql: "INSERT INTO sync_pulled_range (server_id, first_seq, last_seq) VALUES (?, ?, ?)",
                           arguments: [serverID, previousLastSeq + 1, last])
        }
    }

    /// The next local seqs to read after `after` (below `Int64.max`): the first seq past
    /// `after` that no range holds, and the first seq of the range that follows it (nil: none;
    /// read to the end).
    func span(after: Int64) -> (from: Int64, before: Int64?) {
        var next = after + 1
        for range in ranges where range.upperBound >= next {
            if range.lowerBound <= next {
                next = range.upperBound + 1
            } else {
                return (next, range.lowerBound)
            }
        }
        return (next, nil)
    }

    /// How many seqs in `after + 1 ... last` the ranges hold.
    func count(after: Int64, through last: Int64) -> Int {
        guard last > after else { return 0 }
        var total: Int64 = 0
        for range in ranges {
            let low = Swift.max(range.lowerBound, after + 1), high = Swift.min(range.upperBound, last)
            if low <= high { total += high - low + 1 }
        }
        return Int(total)
    }
}
