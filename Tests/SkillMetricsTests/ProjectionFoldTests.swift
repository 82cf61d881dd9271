import Testing
@testable import SkillMetrics

/// The projectors' fold reads events column by column and parses simple follow-up lists
/// without the general JSON parser; both must give exactly what the triggers store.
@Suite struct ProjectionFoldTests {
    @Test(arguments: [
        "[]", "[\"a\"]", "[\"git commit\",\"git push\"]", "[\"\"]", "[\"\",\"\"]",
        "[\"a\", \"b\"]", "[ \"a\" ]", "[\"a\\\"b\"]", "[\"tab\\there\"]", "[\"\\u00e9\"]",
        "[\"é\",\"🚀\"]", "[\"a\",\"a\"]", "[\"/\"]", "[\"\u{7f}\"]",
        "[1]", "[\"a\",1]", "[\"a\",]", "[\"a\"", "\"a\"]", "[\"a\"]x", "{}", "[null]", "[[\"a\"]]",
        "[\"a\" ,\"b\"]", "[\"a\"\"b\"]", "[\"line\nbreak\"]", "[\"", "[\"]", "[,]",
    ])
    func parseActionsAgreesWithTheStrictParser(_ text: String) throws {
        let expected: [String]?
        if case .array(let elements)? = try? JSONParser().parse(text) {
            var strings: [String]? = []
            for element in elements {
                if case .string(let string) = element { strings?.append(string) } else { strings = nil }
            }
            expected = strings
        } else {
            expected = nil
        }
        #expect(try EventLog.parseActions(text) == expected)
    }

    @Test func rebuildAndVerifyAgreeWithTheTriggersOnMixedEvents() throws {
        let db = try TestDatabase()
        var events: [SkillInvocation] = []
        for i in 0..<300 {
            let finished = i % 17 != 5
            let completed = finished && i % 7 != 0
            events.append(SkillInvocation(
                id: "e\(i)", skillName: ["alpha", "beta", "γάμμα", ""][i % 4],
                invokedAt: Timestamp(microsecondsSinceEpoch: 1_772_000_000_000_000 + Int64(i) * 1_000_003),
                workflowPath: i % 5 == 0 ? nil : ["quick", "", "deep\tpath"][i % 3],
                completed: completed,
                durationSeconds: !finished || i % 11 == 0 ? nil : Double(i % 13) * 0.1,
                errorType: i % 6 == 0 ? "Timeout" : nil,
                sessionID: i % 3 == 0 ? nil : "session-\(i % 4)",
                followUpActions: !finished ? [] : [[], ["git commit"], ["a\"quoted\"", "é"], ["x", "x"]][i % 4],
                finished: finished))
        }
        try db.store.append(events)
        let before = try SkillMetricsQueries(store: db.store).allMetricsInFirstSeenOrder()
        let sessionsBefore = try SkillMetricsQueries(store: db.store).sessionSkills()
        #expect(try db.store.verify().isConsistent)
        let rebuilt = try db.store.rebuild()
        #expect(rebuilt.events == 300)
        #expect(try SkillMetricsQueries(store: db.store).allMetricsInFirstSeenOrder() == before)
        #expect(try SkillMetricsQueries(store: db.store).sessionSkills() == sessionsBefore)
        #expect(try db.store.verify().isConsistent)
    }
}
