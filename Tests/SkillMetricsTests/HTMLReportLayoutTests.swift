import Foundation
import Testing
@testable import SkillMetrics

/// The HTML report's charts, structurally: date labels never overlap, durations that span
/// orders of magnitude get a log axis, the daily counts leave out unfinished events.
@Suite struct HTMLReportLayoutTests {
    /// The numbers in `attribute="…"` of the elements whose text contains `marker`.
    static func values(_ page: String, marker: String, attribute: String) -> [Double] {
        page.components(separatedBy: "<").filter { $0.contains(marker) }.compactMap { element in
            guard let range = element.range(of: "\(attribute)=\"") else { return nil }
            return Double(element[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    @Test(arguments: [1, 2, 3, 9, 10, 11, 12, 13, 30, 31, 89, 90, 91, 200, 365, 366, 1000, 4000])
    func dateLabelsKeepTheirDistance(days: Int) {
        let plotWidth = 880.0
        let indexes = HTMLReport.labelledDays(count: days, plotWidth: plotWidth)
        #expect(indexes.first == 0)
        #expect(indexes.last == days - 1, "the last day is labelled")
        #expect(indexes == indexes.sorted() && Set(indexes).count == indexes.count)
        let pixelsPerDay = days > 1 ? plotWidth / Double(days - 1) : 0
        for (left, right) in zip(indexes, indexes.dropFirst()) {
            #expect(Double(right - left) * pixelsPerDay >= HTMLReport.minimumLabelSpacing,
                    "days \(left) and \(right) of \(days) are \(Double(right - left) * pixelsPerDay) px apart")
        }
        #expect(indexes.count >= min(days, 5), "too few labels: \(indexes)")
    }

    /// Two skills whose durations are five orders of magnitude apart, over 200 days, with an
    /// unfinished event that the per-day counts must not show.
    func spreadDatabase() throws -> TestDatabase {
        let database = try TestDatabase()
        var events: [SkillInvocation] = []
        let start = ts("2026-01-01T12:00:00Z").microsecondsSinceEpoch
        for day in 0..<200 {
            let at = Timestamp(microsecondsSinceEpoch: start + Int64(day) * 86_400_000_000)
            events.append(SkillInvocation(id: "fast-\(day)", skillName: "fast", invokedAt: at,
                                          durationSeconds: 0.01 + Double(day % 7) / 1000))
            events.append(SkillInvocation(id: "slow-\(day)", skillName: "slow", invokedAt: at,
                                          durationSeconds: 900 + Double(day % 5) * 30))
        }
        events.append(SkillInvocation(
            id: "pending", skillName: "fast", invokedAt: Timestamp(microsecondsSinceEpoch: start),
            completed: false, durationSeconds: nil, finished: false))
        try database.store.append(events)
        return database
    }

    @Test func labelsOfTheRenderedPageDoNotOverlapAndTheLastDayIsShown() throws {
        let database = try spreadDatabase()  // kept: its directory lives as long as it does
        let page = try HTMLReportRenderer(store: database.store).render(generatedAt: ts("2026-08-01T00:00:00Z"))
        let xs = Self.values(page, marker: "class=\"x-label\"", attribute: "x")
        #expect(xs.count >= 5)
        for (left, right) in zip(xs, xs.dropFirst()) {
            #expect(right - left >= HTMLReport.minimumLabelSpacing, "labels at \(left) and \(right)")
        }
        #expect(page.contains(">2026-01-01</text>"))
        #expect(page.contains(">2026-07-19</text>"), "the last day (2026-07-19) is labelled")
    }

    @Test func durationsSpanningOrdersOfMagnitudeGetALogAxis() throws {
        let database = try spreadDatabase()  // kept: its directory lives as long as it does
        let page = try HTMLReportRenderer(store: database.store).render(generatedAt: ts("2026-08-01T00:00:00Z"))
        #expect(page.contains("data-scale=\"log\""))
        // Ticks at every decade from 0.01 s to 1000 s.
        for tick in ["0.01s", "0.1s", "1s", "10s", "100s", "1000s"] {
            #expect(page.contains(">\(tick)</text>"), "tick \(tick)")
        }
        // The two skills' medians stand far apart, not squeezed at the left edge.
        let medians = Self.values(page, marker: "class=\"p50\"", attribute: "cx")
        #expect(medians.count == 2)
        if let low = medians.min(), let high = medians.max() {
            #expect(high - low > 400, "p50 marks at \(medians)")
            // On a linear axis to 1050 s it would sit 0.007 px from the start.
            #expect(low - 280 > 5, "the fast skill's p50 is squeezed at the axis start: \(low)")
        }
    }

    @Test func narrowDurationsKeepALinearAxisFromZero() throws {
        let axis = HTMLReport.DurationAxis(minimum: 2, maximum: 30)
        #expect(axis.scale == .linear && axis.low == 0 && axis.high == 30)
        #expect(axis.fraction(15) == 0.5)
        let log = HTMLReport.DurationAxis(minimum: 0.004, maximum: 70)
        #expect(log.scale == .log && log.low == 0.001 && log.high == 100)
        #expect(log.fraction(0) == 0 && log.fraction(1e9) == 1)
        #expect(abs(log.fraction(1) - 0.6) < 1e-12)
    }

    @Test func dailyCountsLeaveOutUnfinishedEvents() throws {
        let database = try spreadDatabase()
        let counts = try database.store.read { db in
            try HTMLReportRenderer.dailyCounts(db, rows: try SkillMetricsQueries.allMetricsInFirstSeenOrder(db))
        }
        #expect(counts.count == 400)
        #expect(counts.allSatisfy { $0.invocations == 1 }, "\(counts.filter { $0.invocations != 1 })")
        #expect(counts.reduce(0) { $0 + $1.invocations } == 400)
    }
}
