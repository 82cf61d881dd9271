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
}
