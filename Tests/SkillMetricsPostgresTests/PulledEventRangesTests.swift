import Foundation
import GRDB
import Testing
@testable import SkillMetrics
@testable import SkillMetricsPostgres

/// What push reads around the ranges a pull recorded, and what it refuses to trust.
@Suite("Pulled event ranges")
struct PulledEventRangesTests {
    static let ranges = PulledEventRanges([4_501...4_700, 1...4_000])

    @Test("span skips whole ranges and stops before the next one", arguments: [
        (Int64(0), Int64(4_001), Int64?(4_501)),
        (3_999, 4_001, 4_501),
        (4_000, 4_001, 4_501),
        (4_499, 4_500, 4_501),
        (4_500, 4_701, nil),
        (4_700, 4_701, nil),
        (9_000, 9_001, nil),
    ])
    func span(after: Int64, from: Int64, before: Int64?) {
        let span = Self.ranges.span(after: after)
        #expect(span.from == from)
        #expect(span.before == before)
    }

    @Test("count is the seqs after the cursor, up to the log's last, that the ranges hold", arguments: [
        (Int64(0), Int64(5_000), 4_200),
        (0, 4_600, 4_100),
        (3_000, 4_550, 1_050),
        (4_500, 4_700, 200),
        (4_700, 5_000, 0),
        (5_000, 4_000, 0),
    ])
    func count(after: Int64, last: Int64, expected: Int) {
        #expect(Self.ranges.count(after: after, through: last) == expected)
    }

    @Test("record extends the range that ends where the pull began, starts another after own events, and keeps logs apart")
    func record() throws {
        let scratch = try ScratchDirectory()
        let store = try SkillMetricsStore(path: scratch.path + "/replica.db")
        var generator = EventGenerator(seed: 61)
        let decoder = JSONLEventDecoder()
        let events = try generator.jsonl(count: 60, prefix: "e").split(separator: "\n").map { try decoder.decode(line: Array($0.utf8)) }
        func pull(_ slice: ArraySlice<SkillInvocation>, from server: String) throws {
            try store.write { db in
                let before = try SkillMetricsStore.maxSeq(db)
                _ = try SkillMetricsStore.append(slice, in: db)
                try PulledEventRanges.record(serverID: server, appendedAfter: before, db)
            }
        }
        try pull(events[0..<10], from: "a")
        try pull(events[10..<20], from: "a")
        _ = try store.append(Array(events[20..<25]))
        try pull(events[25..<30], from: "a")
        try pull(events[30..<40], from: "b")
        try pull(events[40..<50], from: "a")
        try pull(events[0..<10], from: "a")  // nothing new appended: nothing recorded
        let a = try store.read { db in try PulledEventRanges.load(serverID: "a", db) }
        let b = try store.read { db in try PulledEventRanges.load(serverID: "b", db) }
        #expect(a.ranges == [1...20, 26...30, 41...50])
        #expect(b.ranges == [31...40])
        #expect(try store.read { db in try PulledEventRanges.load(serverID: "c", db) }.ranges.isEmpty)

        // Rows no pull writes (overlapping, or ending at the largest seq) are refused, not trusted to skip events.
        for (server, first, last) in [("d", Int64(15), Int64(25)), ("d", 20, 30), ("e", 60, Int64.max)] {
            try store.write { db in
                try db.execute(sql: "INSERT INTO sync_pulled_range VALUES (?, ?, ?)", arguments: [server, first, last])
            }
        }
        for server in ["d", "e"] {
            #expect(throws: SkillMetricsError.self) { try store.read { db in try PulledEventRanges.load(serverID: server, db) } }
        }
    }
}
