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

    /// 6,000 events over 40 skills, 300 sessions, long-tailed paths and errors, follow-up lists
    /// of 0–3 actions, unfinished and abandoned ones, NULLs: three full chunks of the two-thread
    /// fold and part of a fourth.
    static func variedEvents(_ count: Int) -> [SkillInvocation] {
        (0..<count).map { i in
            let finished = i % 23 != 7
            let completed = finished && i % 9 != 4
            return SkillInvocation(
                id: "v\(i)", skillName: "skill-\((i * i) % 40)",
                invokedAt: Timestamp(microsecondsSinceEpoch: 1_772_000_000_000_000 + Int64(i) * 1_250_001),
                workflowPath: i % 6 == 0 ? nil : "path/\(i % (1 + i % 50))",
                completed: completed,
                durationSeconds: !completed || i % 13 == 0 ? nil : Double((i * 7) % 101) * 0.013,
                errorType: completed ? nil : "Error\(i % 11)",
                sessionID: i % 10 == 0 ? nil : "session-\(i / 20)",
                followUpActions: finished ? (0..<(i % 4)).map { "act-\(($0 + i) % 17)" } : [],
                finished: finished)
        }
    }

    /// Every row of the three projectors (the rows compare doubles with `==`; the sums are
    /// also compared by their bits).
    struct FoldedRows: Equatable {
        var skills: [SkillMetricsRow]
        var keyCounts: [SkillKeyCountRow]
        var sessions: [SessionSkillRow]
        var paths: [WorkflowPathRow]
        var sumBits: [UInt64]

        init(_ projections: ProjectionSet) {
            skills = projections.skillMetrics.rows
            keyCounts = projections.skillMetrics.keyCountRows
            sessions = projections.sessionSkills.rows
            paths = projections.workflowPaths.rows
            sumBits = skills.map(\.totalDurationSeconds.bitPattern) + sessions.map(\.totalDurationSeconds.bitPattern)
                + paths.map(\.totalDurationSeconds.bitPattern)
        }
    }

    @Test func aFoldOnTwoThreadsEqualsTheFoldOnOne() throws {
        let database = try TestDatabase()
        try database.store.append(Self.variedEvents(6_000))
        let (one, two, resumed) = try database.store.read { db in
            var one = ProjectionSet()
            try one.fold(db, twoThreadsAbove: .max)
            var two = ProjectionSet()
            try two.fold(db, twoThreadsAbove: 0)
            // A fold that resumes: through seq 2,500 on two threads, then the rest on two.
            var resumed = ProjectionSet()
            try resumed.fold(db, through: 2_500, twoThreadsAbove: 0)
            #expect(resumed.lastSeq == 2_500)
            try resumed.fold(db, twoThreadsAbove: 0)
            return (one, two, resumed)
        }
        #expect(one.eventCount == 6_000 && two.eventCount == 6_000 && resumed.eventCount == 6_000)
        #expect(two.lastSeq == 6_000)
        let expected = FoldedRows(one)
        #expect(expected.sessions.count > 300 && expected.keyCounts.count > 40 * 11)
        for (label, other) in [("two threads", FoldedRows(two)), ("resumed", FoldedRows(resumed))] {
            #expect(other.skills == expected.skills, "\(label)")
            #expect(other.keyCounts == expected.keyCounts, "\(label)")
            #expect(other.sessions == expected.sessions, "\(label)")
            #expect(other.paths == expected.paths, "\(label)")
            #expect(other.sumBits == expected.sumBits, "\(label)")
        }
        let verified = try database.store.read { db in try ProjectionComparison.compare(two, with: db) }
        #expect(verified.isConsistent)
    }

    /// A stored row the fold cannot read gives the error the one-thread fold gives — the first
    /// bad row in seq order, and in a row a follow-up list that is not a JSON array of strings
    /// before a wrong type in another column — and nothing else.
    @Test(arguments: [
        ([(3_000, "follow_up_actions = 'nope'")], "seq 3000, column follow_up_actions"),
        ([(2_500, "skill_name = x'07'"), (3_000, "follow_up_actions = 'nope'")], "seq 2500, column skill_name"),
        ([(2_500, "follow_up_actions = '[1]'"), (3_000, "completed = 'yes'")], "seq 2500, column follow_up_actions"),
        ([(4_100, "session_id = x'05', follow_up_actions = '{}'")], "seq 4100, column follow_up_actions"),
        ([(4_100, "session_id = x'05'")], "seq 4100, column session_id"),
        ([(4_096, "follow_up_actions = x'05', skill_name = x'07'")], "seq 4096, column follow_up_actions"),
        ([(5_999, "finished = 2")], "seq 5999, column finished"),
        ([(1, "duration_seconds = 'long'")], "seq 1, column duration_seconds"),
        // Nested as deep as the JSON parser goes, and deeper: parsed on the folding thread.
        ([(3_500, "follow_up_actions = '" + String(repeating: "[", count: 250) + String(repeating: "]", count: 250) + "'")],
         "seq 3500, column follow_up_actions"),
        ([(3_500, "follow_up_actions = '" + String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000) + "'")],
         "seq 3500, column follow_up_actions"),
        // Bytes that are not UTF-8 (found by the vocabulary's count of repaired texts).
        ([(4_200, "skill_name = CAST(X'61FF62' AS TEXT)")], "seq 4200, column skill_name"),
        ([(17, "workflow_path = CAST(X'70C3' AS TEXT)")], "seq 17, column workflow_path"),
        ([(5_000, #"follow_up_actions = '["a' || CAST(X'FE' AS TEXT) || '"]'"#)], "seq 5000, column follow_up_actions"),
    ] as [([(Int, String)], String)])
    func aFoldOnTwoThreadsFailsAsTheFoldOnOne(_ edits: [(Int, String)], _ named: String) throws {
        let database = try TestDatabase()
        try database.store.append(Self.variedEvents(6_000))
        let updates = edits.map { "UPDATE skill_invocation SET \($0.1) WHERE seq = \($0.0);" }.joined(separator: " ")
        try Tamper.sql(database.path, "PRAGMA ignore_check_constraints = ON; DROP TRIGGER skill_invocation_no_update; \(updates)")
        func failure(_ threshold: Int64) -> String {
            do {
                _ = try database.store.read { db in
                    var projections = ProjectionSet()
                    try projections.fold(db, twoThreadsAbove: threshold)
                    return projections.eventCount
                }
                return "no error"
            } catch {
                return String(describing: error)
            }
        }
        let one = failure(.max)
        #expect(one.contains(named), "\(one)")
        #expect(failure(0) == one)
    }

    /// A rebuild of a log past the two-thread threshold (its fold on two threads, the
    /// percentiles computed and the session rows compared on other connections) writes what
    /// the triggers wrote, and repairs tampered tables to exactly that.
    @Test func aRebuildPastTheThresholdGivesBackWhatTheTriggersWrote() throws {
        let database = try TestDatabase()
        let events = Self.variedEvents(Int(ProjectionSet.pipelinedFoldThreshold) + 5_000)
        for start in stride(from: 0, to: events.count, by: 5_000) {
            try database.store.append(Array(events[start..<Swift.min(start + 5_000, events.count)]))
        }
        // The percentile trigger's cache columns (reset by a rebuild) left out.
        func withoutCaches(_ rows: [String]) -> [String] {
            rows.map { row in
                row.split(separator: "|").filter { column in
                    !["_cursor_", "_next_", "percentile_cache", "percentile_seek"].contains { column.contains($0) }
                }.joined(separator: "|")
            }
        }
        let triggers = try RebuildTests.dump(database.store)
        let rebuilt = try database.store.rebuild()
        #expect(rebuilt.events == events.count)
        let reference = try RebuildTests.dump(database.store)
        #expect(reference.count == triggers.count && reference.count > 25_000 / 20)
        #expect(withoutCaches(reference) == withoutCaches(triggers))
        try Tamper.sql(database.path, """
            UPDATE session_skill SET total_duration_seconds = total_duration_seconds + 1e-9 WHERE rowid = 7;
            UPDATE skill_totals SET p95_duration_seconds = p95_duration_seconds + 1, min_duration_seconds = NULL;
            """)
        #expect(try !database.store.verify().isConsistent)
        try database.store.rebuild()
        #expect(try RebuildTests.dump(database.store) == reference)
        #expect(try database.store.verify().isConsistent)
    }
}
