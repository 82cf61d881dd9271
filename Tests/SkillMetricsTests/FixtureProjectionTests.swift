import Foundation
import Testing
@testable import SkillMetrics

/// The live triggers and the Swift projectors reproduce the legacy tracker's `skills` for every
/// crackerjack fixture when its finished invocations are appended in completion order.
@Suite("Fixture projections")
struct FixtureProjectionTests {
    static let fixtures = ["basic.json", "overlap.json", "hostile.json", "dst.json", "ties-overlap.json", "large.json"]

    @Test("triggers reproduce the legacy skills, and verify agrees", arguments: fixtures)
    func triggersReproduceLegacySkills(fixture: String) throws {
        let data = try FixtureEvents(fixture: fixture)
        let database = try TestDatabase()
        let result = try database.store.append(data.events)
        #expect(result.appended == data.events.count)

        let rows = try SkillMetricsQueries(store: database.store).allMetricsInFirstSeenOrder()
        #expect(rows.map(\.skillName) == data.skills.keys, "skills in first-completed order")
        for row in rows {
            let expected = try #require(data.skills[row.skillName].flatMap { value -> JSONObject? in
                if case .object(let object) = value { return object }
                return nil
            })
            try expectEqual(row, expected)
        }
        let verification = try database.store.verify()
        #expect(verification.differences.isEmpty, "\(verification.differences.prefix(5))")
        #expect(verification.events == data.events.count)
    }

    @Test("rebuild from the log writes the same rows the triggers wrote", arguments: ["hostile.json", "overlap.json"])
    func rebuildMatchesTriggers(fixture: String) throws {
        let data = try FixtureEvents(fixture: fixture)
        let database = try TestDatabase()
        try database.store.append(data.events)
        let live = try SkillMetricsQueries(store: database.store).allMetricsInFirstSeenOrder()
        let liveSessions = try SkillMetricsQueries(store: database.store).sessionSkills()
        try database.store.rebuild()
        #expect(try SkillMetricsQueries(store: database.store).allMetricsInFirstSeenOrder() == live)
        #expect(try SkillMetricsQueries(store: database.store).sessionSkills() == liveSessions)
        #expect(try database.store.verify().isConsistent)
    }

    /// Compares a projection row with a legacy `skills` entry: integers, strings and dict key
    /// order exactly, floats bit for bit, timestamps as instants.
    func expectEqual(_ row: SkillMetricsRow, _ expected: JSONObject) throws {
        func int(_ key: String) -> Int? {
            if case .number(let number)? = expected[key] { return number.intValue }
            return nil
        }
        func double(_ key: String) -> Double? {
            if case .number(let number)? = expected[key] { return number.doubleValue }
            return nil
        }
        func counts(_ key: String) -> OrderedCounts? {
            guard case .object(let object)? = expected[key] else { return nil }
            return OrderedCounts(object.members.compactMap { member in
                if case .number(let number) = member.value, let count = number.intValue { return (member.key, count) }
                return nil
            })
        }
        func time(_ key: String) -> String? {
            if case .string(let text)? = expected[key] { return FixtureEvents.canonical(naive: text) }
            return nil
        }
        let name = row.skillName
        #expect(row.totalInvocations == int("total_invocations"), "\(name)")
        #expect(row.completedInvocations == int("completed_invocations"), "\(name)")
        #expect(row.abandonedInvocations == int("abandoned_invocations"), "\(name)")
        #expect(row.totalDurationSeconds.bitPattern == double("total_duration_seconds")?.bitPattern, "\(name)")
        #expect(row.completionRate.bitPattern == double("completion_rate")?.bitPattern, "\(name)")
        #expect(row.avgDurationSeconds.bitPattern == double("avg_duration_seconds")?.bitPattern, "\(name)")
        #expect(row.workflowPaths == counts("workflow_paths"), "\(name)")
        #expect(row.commonErrors == counts("common_errors"), "\(name)")
        #expect(row.followUpActions == counts("follow_up_actions"), "\(name)")
        #expect(row.firstInvoked == time("first_invoked"), "\(name)")
        #expect(row.lastInvoked == time("last_invoked"), "\(name)")
    }
}
