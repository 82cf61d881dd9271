import Foundation
import GRDB
import Testing
@testable import SkillMetrics

@Suite struct SearchTests {
    @Test func findsEveryHostileWorkflowPathByAWordInIt() throws {
        let events = try LegacyFixtureEvents.load("hostile")
        let database = try TestDatabase()
        try database.store.append(events)
        var pairs = Set<[String]>()
        for event in events {
            if let path = event.workflowPath, !path.isEmpty { pairs.insert([event.skillName, path]) }
        }
        #expect(pairs.count > 20)
        for path in Set(pairs.map { $0[1] }) {
            let words = path.split(whereSeparator: \.isWhitespace).map(String.init)
            for word in words {
                let matches = try SkillMetricsQueries(store: database.store).searchWorkflowPaths(word, limit: 10_000)
                let found = Set(matches.map { [$0.skillName, $0.workflowPath ?? ""] })
                let wanted = pairs.filter { $0[1] == path }
                #expect(wanted.isSubset(of: found), "word \(JSONWriter.quoted(word)) of \(JSONWriter.quoted(path))")
                for match in matches {
                    let haystack = (match.skillName + "\n" + (match.workflowPath ?? "")).lowercased()
                    #expect(haystack.contains(word.lowercased()), "\(match) does not contain \(word)")
                }
            }
        }
    }

    @Test func anyUserTextIsSafe() throws {
        let database = try TestDatabase()
        try database.store.append(try LegacyFixtureEvents.load("hostile"))
        let hostile = ["\"", "\"\"", "AND", "OR NOT", "NEAR(a b)", "*", "a*", "^x", "skill_name:x", "'); DROP TABLE skill_invocation;--",
                       "\u{0}", "x\u{0}y", "日本", "🚀", "{skill_name workflow_path}: x", "-x", "+", "(", ")", ":", "\\", "\t\n ", "",
                       "has\"quote AND", String(repeating: "a", count: 5_000), "ünï", "\u{7F}"]
        for text in hostile {
            _ = try SkillMetricsQueries(store: database.store).searchWorkflowPaths(text)
        }
        #expect(try SkillMetricsQueries(store: database.store).searchWorkflowPaths("").isEmpty)
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == 131)
    }

    @Test func searchStaysInStepWithTheLogAndReportsCounts() throws {
        let database = try TestDatabase()
        #expect(try SkillMetricsQueries(store: database.store).searchWorkflowPaths("deploy").isEmpty)
        let start = ts("2026-01-01T00:00:00Z")
        try database.store.append([
            SkillInvocation(id: "1", skillName: "Release", invokedAt: start, workflowPath: "Deploy production", completed: true, durationSeconds: 2),
            SkillInvocation(id: "2", skillName: "release", invokedAt: start, workflowPath: "deploy production", completed: true, durationSeconds: 4),
            SkillInvocation(id: "3", skillName: "release", invokedAt: start, workflowPath: "deploy production", completed: false, durationSeconds: 8),
            SkillInvocation(id: "4", skillName: "release", invokedAt: start, workflowPath: "deploy staging", completed: true, durationSeconds: 1),
        ])
        let matches = try SkillMetricsQueries(store: database.store).searchWorkflowPaths("DEPLOY prod")
        #expect(matches.map(\.skillName) == ["release", "Release"])
        #expect(matches.first?.invocationCount == 2)
        #expect(matches.first?.avgDurationSeconds == 4.0)
        #expect(try SkillMetricsQueries(store: database.store).searchWorkflowPaths("staging").map(\.workflowPath) == ["deploy staging"])
        // A skill name matches its invocations without a path too.
        try database.store.append(SkillInvocation(id: "5", skillName: "lonely-skill", invokedAt: start, completed: true, durationSeconds: 1))
        let lonely = try SkillMetricsQueries(store: database.store).searchWorkflowPaths("lonely")
        #expect(lonely.count == 1)
        #expect(lonely.first?.workflowPath == nil)
    }
}
