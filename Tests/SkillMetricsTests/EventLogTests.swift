import Foundation
import GRDB
import Testing
@testable import SkillMetrics

@Suite("Event log")
struct EventLogTests {
    func event(_ id: String, skill: String = "s", at time: String = "2026-01-01T00:00:00Z",
               path: String? = nil, completed: Bool = true, duration: Double? = 1.0,
               error: String? = nil, session: String? = nil, actions: [String] = []) -> SkillInvocation {
        SkillInvocation(id: id, skillName: skill, invokedAt: ts(time), workflowPath: path,
                        completed: completed, durationSeconds: duration, errorType: error,
                        sessionID: session, followUpActions: actions)
    }

    @Test("follow-up lists are stored as SQLite's json_array writes them",
          arguments: [["a"], ["x", "y", "x"], ["say \"hi\"", "back\\slash", "tab\tnew\nline\u{01}\u{1F}"],
                      ["café", "e\u{301}", "😀", "\u{7F}", ""], ["/", "a,b", "[]", "{}"]])
    func actionsAsJSONArray(actions: [String]) throws {
        let queue = try DatabaseQueue()
        let sql = "SELECT json_array(" + Array(repeating: "?", count: actions.count).joined(separator: ", ") + ")"
        let sqlite = try queue.read { db in try String.fetchOne(db, sql: sql, arguments: StatementArguments(actions)) }
        // Compared as bytes: String's == would take a decomposed "é" for a precomposed one.
        let text = Array(EventLog.actionsJSON(actions).utf8)
        #expect(text == sqlite.map { Array($0.utf8) })
        #expect(text == Array(JSONWriter(style: .compact).string(.array(actions.map(JSONValue.string))).utf8))
    }

    @Test("appending the same id with the same content is a no-op")
    func idempotentAppend() throws {
        let db = try TestDatabase()
        let first = try db.store.append(event("a", path: "p", actions: ["x"]))
        let again = try db.store.append(event("a", path: "p", actions: ["x"]))
        #expect(first.appended == 1)
        #expect(again.appended == 0 && again.alreadyPresent == 1)
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == 1)
        #expect(try SkillMetricsQueries(store: db.store).metrics(for: "s")?.totalInvocations == 1)
    }

    @Test("the same id with different content is a conflict and the whole batch is rolled back")
    func conflictRollsBackBatch() throws {
        let db = try TestDatabase()
        try db.store.append(event("a", duration: 1.0))
        #expect {
            try db.store.append([event("b"), event("a", duration: 2.0)])
        } throws: { error in
            guard case .conflictingEvent(let id, let fields) = error as? SkillMetricsError else { return false }
            return id == "a" && fields == ["duration_seconds"]
        }
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == 1, "event b must not be written")
        #expect(try SkillMetricsQueries(store: db.store).metrics(for: "s")?.totalInvocations == 1)
    }

    @Test("invalid events are refused with the field and id named, and nothing is written",
          arguments: [
            (SkillInvocation(id: "n", skillName: "s", invokedAt: ts("2026-01-01T00:00:00Z"), durationSeconds: .nan), "duration_seconds"),
            (SkillInvocation(id: "i", skillName: "s", invokedAt: ts("2026-01-01T00:00:00Z"), durationSeconds: .infinity), "duration_seconds"),
            (SkillInvocation(id: "z", skillName: "a\u{0}b", invokedAt: ts("2026-01-01T00:00:00Z")), "skill_name"),
            (SkillInvocation(id: "f", skillName: "s", invokedAt: ts("2026-01-01T00:00:00Z"), followUpActions: ["ok", "\u{0}"]), "follow_up_actions[1]"),
            (SkillInvocation(id: "", skillName: "s", invokedAt: ts("2026-01-01T00:00:00Z")), "id"),
            (SkillInvocation(id: "u", skillName: "s", invokedAt: ts("2026-01-01T00:00:00Z"), completed: true, finished: false), "finished"),
          ])
    func invalidEvents(event: SkillInvocation, field: String) throws {
        let db = try TestDatabase()
        #expect {
            try db.store.append([self.event("ok"), event])
        } throws: { error in
            guard case .invalidEvent(_, let named, _) = error as? SkillMetricsError else { return false }
            return named == field
        }
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == 0)
    }

    @Test("UPDATE and DELETE on skill_invocation fail and change nothing")
    func immutability() throws {
        let db = try TestDatabase()
        try db.store.append(event("a"))
        for sql in ["UPDATE skill_invocation SET completed = 0", "DELETE FROM skill_invocation",
                    "INSERT OR REPLACE INTO skill_invocation (id, skill_name, invoked_at, completed) VALUES ('a', 'other', '2026-01-01T00:00:00.000000Z', 1)"] {
            #expect(throws: DatabaseError.self, "\(sql)") {
                try db.store.write { database in try database.execute(sql: sql) }
            }
        }
        let stored = try db.store.read { database in try EventLog.fetch(id: "a", in: database) }
        #expect(stored?.event.completed == true)
        #expect(stored?.event.skillName == "s")
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == 1)
    }

    @Test("the schema rejects malformed rows from any client")
    func schemaConstraints() throws {
        let db = try TestDatabase()
        let bad = [
            "INSERT INTO skill_invocation (id, skill_name, invoked_at, completed) VALUES ('1', 's', '2026-02-30T00:00:00.000000Z', 1)",
            "INSERT INTO skill_invocation (id, skill_name, invoked_at, completed) VALUES ('2', 's', '2026-01-01 00:00:00', 1)",
            "INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds) VALUES ('3', 's', '2026-01-01T00:00:00.000000Z', 1, 1e999)",
            "INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, duration_seconds) VALUES ('4', 's', '2026-01-01T00:00:00.000000Z', 1, 'abc')",
            "INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, follow_up_actions) VALUES ('5', 's', '2026-01-01T00:00:00.000000Z', 1, '[1]')",
            "INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, follow_up_actions) VALUES ('6', 's', '2026-01-01T00:00:00.000000Z', 1, '{}')",
            "INSERT INTO skill_invocation (id, skill_name, invoked_at, completed) VALUES ('7', 's', '2026-01-01T00:00:00.000000Z', 2)",
            "INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, finished, duration_seconds) VALUES ('8', 's', '2026-01-01T00:00:00.000000Z', 0, 0, 1.0)",
            "INSERT INTO skill_invocation (id, skill_name, invoked_at, completed) VALUES ('9', 'a' || char(0) || 'b', '2026-01-01T00:00:00.000000Z', 1)",
        ]
        for sql in bad {
            #expect(throws: DatabaseError.self, "\(sql)") {
                try db.store.write { database in try database.execute(sql: sql) }
            }
        }
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == 0)
        #expect(try SkillMetricsQueries(store: db.store).allMetrics().isEmpty)
    }

    @Test("every control character, DEL and non-ASCII text survive as dictionary keys")
    func hostileKeys() throws {
        let db = try TestDatabase()
        var keys = (1...0x1F).map { "k" + String(Unicode.Scalar(UInt8($0))) }
        keys += ["\u{7F}", "é", "🚀", "\"quoted\"", "a.b", "$x", "[0]", "back\\slash", "", " ", "{\"json\":1}", "'; DROP TABLE skill_metrics; --"]
        var events: [SkillInvocation] = []
        for (offset, key) in keys.enumerated() {
            events.append(event("e\(offset)", skill: key, path: key, error: key, session: key, actions: [key, key]))
        }
        events.append(event("repeat", skill: keys[0], path: keys[1], actions: [keys[2]]))
        try db.store.append(events)
        let verification = try db.store.verify()
        #expect(verification.isConsistent, "\(verification.differences.prefix(3))")
        let row = try #require(try SkillMetricsQueries(store: db.store).metrics(for: keys[0]))
        #expect(row.workflowPaths.entries.map(\.key) == [keys[0], keys[1]])
        #expect(row.followUpActions.entries.map(\.key) == [keys[0], keys[2]])
        #expect(row.followUpActions[keys[0]] == 2)
        for key in keys where !key.isEmpty {
            let metrics = try #require(try SkillMetricsQueries(store: db.store).metrics(for: key), "\(JSONWriter.quoted(key))")
            #expect(metrics.workflowPaths[key] != nil)
            #expect(metrics.commonErrors[key] != nil)
        }
        // The empty string is a valid skill name, but empty paths and errors are not counted.
        let empty = try #require(try SkillMetricsQueries(store: db.store).metrics(for: ""))
        #expect(empty.workflowPaths.isEmpty && empty.commonErrors.isEmpty)
        #expect(empty.followUpActions[""] == 2)
    }

    @Test("projection rules: durations, rates, unfinished events, session rows")
    func projectionRules() throws {
        let db = try TestDatabase()
        try db.store.append([
            event("1", at: "2026-01-01T00:00:01Z", completed: true, duration: 0.0, session: "x"),
            event("2", at: "2026-01-01T00:00:00Z", completed: true, duration: 0.1, session: "x"),
            event("3", at: "2026-01-01T00:00:02Z", completed: false, duration: 5.0, session: "x"),
            event("4", at: "2026-01-01T00:00:03Z", completed: true, duration: 0.2, session: nil),
            SkillInvocation(id: "5", skillName: "s", invokedAt: ts("2026-01-01T00:00:09Z"), completed: false, finished: false),
            event("6", skill: "t", completed: true, duration: nil, session: "x"),
        ])
        let row = try #require(try SkillMetricsQueries(store: db.store).metrics(for: "s"))
        #expect(row.totalInvocations == 4 && row.completedInvocations == 3 && row.abandonedInvocations == 1)
        #expect(row.totalDurationSeconds == 0.1 + 0.2)
        #expect(row.completionRate == 3.0 / 4.0 * 100)
        #expect(row.avgDurationSeconds == (0.1 + 0.2) / 3.0)
        #expect(row.firstInvoked == "2026-01-01T00:00:01.000000Z", "first in seq order, not the minimum")
        #expect(row.lastInvoked == "2026-01-01T00:00:03.000000Z")
        let sessions = try SkillMetricsQueries(store: db.store).sessionSkills(session: "x")
        #expect(sessions.count == 2)
        #expect(sessions.first?.invocationCount == 3)
        #expect(sessions.first?.totalDurationSeconds == 0.0 + 0.0 + 0.1 + 5.0, "abandoned durations count in sessions")
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == 6)
        #expect(try db.store.verify().isConsistent)
    }

    @Test("verify names the skill and field of a tampered projection; rebuild repairs it")
    func verifyDetectsTampering() throws {
        let db = try TestDatabase()
        try db.store.append([event("1", path: "p", session: "x"), event("2", path: "p", session: "x")])
        try db.store.write { database in
            try database.execute(sql: "UPDATE skill_metrics SET total_invocations = total_invocations + 1")
            try database.execute(sql: #"UPDATE skill_metrics SET workflow_paths = '{"p":3}'"#)
            try database.execute(sql: "DELETE FROM session_skill")
        }
        let result = try db.store.verify()
        let fields = Set(result.differences.map { "\($0.table).\($0.field)" })
        #expect(fields == ["skill_metrics.total_invocations", "skill_metrics.workflow_paths", "session_skill.(row)"])
        #expect(result.differences.allSatisfy { $0.key.contains("s") })
        try db.store.rebuild()
        #expect(try db.store.verify().isConsistent)
    }
}
