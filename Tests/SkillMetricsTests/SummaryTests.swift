import Foundation
import Testing
@testable import SkillMetrics

@Suite struct SummaryTests {
    /// Writes JSON the way Python does, so number literals are compared exactly.
    static func text(_ value: JSONValue) -> String {
        JSONWriter(style: .python(ensureASCII: true)).string(value)
    }

    @Test(arguments: LegacyFixtureEvents.reportFixtures)
    func summaryEqualsLegacyGetSummary(fixture: String) throws {
        let database = try TestDatabase()
        try database.store.append(try LegacyFixtureEvents.load(fixture))
        let expected = try #require(try LegacyFixtureEvents.expected(fixture)["summary"])
        let summary = try SkillMetricsQueries(store: database.store).summary()
        #expect(Self.text(.object(summary.legacyJSON)) == Self.text(expected))
    }

    @Test func emptySummaryHasOnlyTheFirstFiveKeys() throws {
        let database = try TestDatabase()
        let json = try SkillMetricsQueries(store: database.store).summary().legacyJSON
        #expect(Self.text(.object(json)) == """
            {
              "total_skills": 0,
              "total_invocations": 0,
              "overall_completion_rate": 0.0,
              "most_used_skill": null,
              "avg_duration_seconds": 0.0
            }
            """)
    }

    @Test func mostUsedTieGoesToTheSkillThatAppearedFirst() throws {
        let database = try TestDatabase()
        let start = ts("2026-01-01T00:00:00Z")
        try database.store.append([
            SkillInvocation(id: "1", skillName: "b", invokedAt: start, completed: true, durationSeconds: 1),
            SkillInvocation(id: "2", skillName: "a", invokedAt: start, completed: true, durationSeconds: 1),
        ])
        let summary = try SkillMetricsQueries(store: database.store).summary()
        #expect(summary.mostUsedSkill == "b")
        #expect(summary.skillsByUsage.map(\.name) == ["b", "a"])
    }

    @Test func materialisedSummarySaysHowStaleItIs() throws {
        let database = try TestDatabase()
        try database.store.append(try LegacyFixtureEvents.load("basic"))
        let refreshed = try SummaryRefresher(store: database.store).refresh()
        #expect(refreshed.staleEvents == 0)
        #expect(refreshed.summary.totalInvocations == 14)
        #expect(refreshed.topErrors.first?.name == "TimeoutError")
        #expect(refreshed.topWorkflowPaths.map(\.name) == ["comprehensive", "fast", "quick"])
        try database.store.append(SkillInvocation(
            id: "later", skillName: "x", invokedAt: ts("2026-02-01T00:00:00Z"), completed: true, durationSeconds: 1))
        let stored = try #require(try SummaryRefresher(store: database.store).stored())
        #expect(stored.staleEvents == 1)
        #expect(stored.summary.totalInvocations == 14)
        #expect(try SummaryRefresher(store: database.store).refresh().summary.totalInvocations == 15)
    }
}
