import Foundation
import Testing
@testable import SkillMetrics

@Suite struct AuditReplayTests {
    static func events() throws -> [SkillInvocation] {
        try LegacyFixtureEvents.load("overlap").enumerated().map { index, event in
            var event = event
            if index % 3 != 0 { event.sessionID = "session-\(index % 4)" }
            return event
        }
    }

    @Test(arguments: [0, 1, 2, 17, 60, 176, 177])
    func replayEqualsAFreshDatabaseWithTheFirstNEvents(count: Int) throws {
        let events = try Self.events()
        let full = try TestDatabase()
        try full.store.append(events)
        let replay = try AuditReplayer(store: full.store).replay(throughSeq: Int64(count))

        let partial = try TestDatabase()
        try partial.store.append(Array(events.prefix(count)))
        #expect(replay.throughSeq == Int64(min(count, events.count)))
        #expect(replay.events == min(count, events.count))
        #expect(replay.skills == (try SkillMetricsQueries(store: partial.store).allMetricsInFirstSeenOrder()))
        #expect(replay.sessionSkills == (try SkillMetricsQueries(store: partial.store).sessionSkills()))
        if count >= 17 { #expect(replay.skills.contains { $0.percentiles != nil }) }
    }

    @Test func replayUntilATimeUsesWhenEventsWereAppended() throws {
        let database = try TestDatabase()
        try database.store.append(try Self.events())
        let past = try AuditReplayer(store: database.store).replay(until: ts("2000-01-01T00:00:00Z"))
        #expect(past.events == 0)
        #expect(past.skills.isEmpty)
        let future = Timestamp(microsecondsSinceEpoch: Timestamp.now().microsecondsSinceEpoch + 60_000_000)
        let now = try AuditReplayer(store: database.store).replay(until: future)
        #expect(now.events == 177)
        #expect(now.skills == (try SkillMetricsQueries(store: database.store).allMetricsInFirstSeenOrder()))
    }

    @Test func negativeSeqIsAnError() throws {
        let database = try TestDatabase()
        #expect(throws: SkillMetricsError.self) { try AuditReplayer(store: database.store).replay(throughSeq: -1) }
    }
}
