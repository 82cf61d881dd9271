import Testing
@testable import SkillMetrics

/// ``OrderedCounts/addIfRepresentable(_:count:)``: counts read from outside are added only
/// when the sum fits in an `Int`.
@Suite("Ordered counts")
struct OrderedCountsTests {
    @Test(arguments: [
        (Int.max, 1, false), (Int.max, 0, true), (Int.min, -1, false), (Int.max, Int.min, true),
        (Int.max - 5, 5, true), (Int.max - 5, 6, false), (-3, 2, true),
    ])
    func addsWhenTheSumFits(stored: Int, addend: Int, fits: Bool) {
        var counts = OrderedCounts([("first", 1), ("key", stored)])
        let added = counts.addIfRepresentable("key", count: addend)
        #expect(added == fits)
        #expect(counts["key"] == (fits ? stored &+ addend : stored))
        #expect(counts.entries.map(\.key) == ["first", "key"])
    }

    @Test func aNewKeyIsAppendedWithItsCount() {
        var counts = OrderedCounts([("first", 1)])
        let added = counts.addIfRepresentable("new", count: Int.min)
        #expect(added)
        #expect(counts.entries.map(\.key) == ["first", "new"])
        #expect(counts["new"] == Int.min)
    }

    /// The compact JSON reader reserves room by counting colons (capped at 4,096): keys that
    /// hold colons, and more keys than the cap, still read back exactly, in order, and a
    /// repeated key is still refused.
    @Test(arguments: [3, 4_096, 5_000])
    func compactObjectsReadBackExactly(keys: Int) throws {
        let entries = (0..<keys).map { (key: "k:\($0)::", count: $0 * 7 + 1) }
        let text = "{" + entries.map { "\"\($0.key)\":\($0.count)" }.joined(separator: ",") + "}"
        let counts = try #require(OrderedCounts(json: text))
        #expect(counts.entries.count == keys)
        #expect(counts.entries.map(\.key) == entries.map(\.key))
        #expect(counts.entries.map(\.count) == entries.map(\.count))
        #expect(counts["k:\(keys - 1)::"] == (keys - 1) * 7 + 1)
        #expect(OrderedCounts(json: String(text.dropLast()) + ",\"k:0::\":1}") == nil)
        #expect(counts.sqliteJSON == text)
    }
}
