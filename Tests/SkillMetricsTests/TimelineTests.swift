import Foundation
import Testing
@testable import SkillMetrics

@Suite struct TimelineTests {
    @Test(arguments: [Timeline.BucketSize.hour, .day, .week])
    func bucketsSumToTheEventsInTheWindow(bucket: Timeline.BucketSize) throws {
        let events = try LegacyFixtureEvents.load("large")
        let database = try TestDatabase()
        try database.store.append(events)
        let starts = events.map(\.invokedAt).sorted()
        let first = try #require(starts.first), last = try #require(starts.last)
        // A window that cuts through the data on both sides.
        let span = last.microsecondsSinceEpoch - first.microsecondsSinceEpoch
        let end = Timestamp(microsecondsSinceEpoch: last.microsecondsSinceEpoch - span / 4)
        let window = span / 2
        let start = Timestamp(microsecondsSinceEpoch: end.microsecondsSinceEpoch - window)
        let inWindow = events.filter { $0.invokedAt >= start && $0.invokedAt < end }
        #expect(!inWindow.isEmpty)
        let timeline = try TimelineQuery(store: database.store).run(windowMicroseconds: window, bucket: bucket, end: end)
        #expect(timeline.buckets.reduce(0) { $0 + $1.invocations } == inWindow.count)
        #expect(timeline.buckets.reduce(0) { $0 + $1.completed } == inWindow.filter(\.completed).count)
        #expect(timeline.buckets.reduce(0) { $0 + $1.abandoned } == inWindow.filter { !$0.completed }.count)
        // Consecutive, aligned buckets.
        for (previous, next) in zip(timeline.buckets, timeline.buckets.dropFirst()) {
            #expect(next.start.microsecondsSinceEpoch - previous.start.microsecondsSinceEpoch == bucket.microseconds)
        }
        #expect(timeline.buckets.first?.start == bucket.floor(start))

        let skill = try #require(inWindow.first?.skillName)
        let forSkill = try TimelineQuery(store: database.store).run(skill: skill, windowMicroseconds: window, bucket: bucket, end: end)
        #expect(forSkill.buckets.reduce(0) { $0 + $1.invocations } == inWindow.filter { $0.skillName == skill }.count)
    }

    @Test func emptyBucketsArePresentAndWeeksStartOnMonday() throws {
        let database = try TestDatabase()
        try database.store.append([
            SkillInvocation(id: "a", skillName: "s", invokedAt: ts("2026-01-07T10:00:00Z"), completed: true, durationSeconds: 2),
            SkillInvocation(id: "b", skillName: "s", invokedAt: ts("2026-01-07T11:00:00Z"), completed: true, durationSeconds: 4),
            SkillInvocation(id: "c", skillName: "s", invokedAt: ts("2026-01-07T12:00:00Z"), completed: false, durationSeconds: 9),
        ])
        let days = try TimelineQuery(store: database.store).run(
            windowMicroseconds: try Timeline.parseWindow("7 days"), bucket: .day, end: ts("2026-01-10T00:00:00Z"))
        #expect(days.buckets.map(\.start.canonical) == [
            "2026-01-03T00:00:00.000000Z", "2026-01-04T00:00:00.000000Z", "2026-01-05T00:00:00.000000Z",
            "2026-01-06T00:00:00.000000Z", "2026-01-07T00:00:00.000000Z", "2026-01-08T00:00:00.000000Z",
            "2026-01-09T00:00:00.000000Z",
        ])
        #expect(days.buckets.map(\.invocations) == [0, 0, 0, 0, 3, 0, 0])
        #expect(days.buckets[4].avgDurationSeconds == 3.0)
        #expect(days.buckets[0].avgDurationSeconds == nil)
        let weeks = try TimelineQuery(store: database.store).run(
            windowMicroseconds: try Timeline.parseWindow("2 weeks"), bucket: .week, end: ts("2026-01-10T00:00:00Z"))
        // 2025-12-29 and 2026-01-05 are Mondays.
        #expect(weeks.buckets.map(\.start.canonical) == ["2025-12-22T00:00:00.000000Z", "2025-12-29T00:00:00.000000Z", "2026-01-05T00:00:00.000000Z"])
        #expect(weeks.buckets.map(\.invocations) == [0, 0, 3])
    }

    @Test func windowParsing() throws {
        #expect(try Timeline.parseWindow("7 days") == 7 * 86_400_000_000)
        #expect(try Timeline.parseWindow("24h") == 86_400_000_000)
        #expect(try Timeline.parseWindow("90 minutes") == 5_400_000_000)
        #expect(try Timeline.parseWindow("1 week") == 604_800_000_000)
        for bad in ["", "days", "0 days", "-1 days", "7 fortnights", "1e3 days", "99999999999999 days"] {
            #expect(throws: SkillMetricsError.self) { try Timeline.parseWindow(bad) }
        }
    }

    @Test func tooManyBucketsIsAnError() throws {
        let database = try TestDatabase()
        #expect(throws: SkillMetricsError.self) {
            try TimelineQuery(store: database.store).run(windowMicroseconds: try Timeline.parseWindow("20 weeks") * 200, bucket: .hour)
        }
        #expect(throws: SkillMetricsError.self) {
            try TimelineQuery(store: database.store).run(windowMicroseconds: 0, bucket: .day)
        }
        #expect(throws: SkillMetricsError.self) {
            try TimelineQuery(store: database.store).run(windowMicroseconds: try Timeline.parseWindow("2 weeks"), bucket: .week, end: ts("0001-01-02T00:00:00Z"))
        }
    }
}
