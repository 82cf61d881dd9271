import GRDB
import Testing
@testable import SkillMetrics

/// The bulk paths insert events with SQLite's CHECK constraints off when the events satisfy
/// them by construction (`CheckedByConstruction`). These tests hold that promise against the
/// schema itself: every event the test calls safe is accepted by the CHECKs, bulk and
/// event-by-event appends store the same rows, and an event the CHECKs refuse is refused by a
/// bulk append too, with nothing written.
@Suite struct CheckedByConstructionTests {
    static func event(
        _ id: String, at time: String = "2026-03-01T10:00:00.000001Z", path: String? = "quick",
        duration: Double? = 1.5, actions: [String] = [], context: JSONObject? = nil, finished: Bool = true
    ) -> SkillInvocation {
        SkillInvocation(
            id: id, skillName: "s", invokedAt: ts(time), workflowPath: path,
            completed: finished && duration != nil, durationSeconds: finished ? duration : nil,
            sessionID: "session-1", followUpActions: actions, userContext: context, finished: finished)
    }

    /// Edge values of every column the CHECKs look at.
    static let edgeEvents: [SkillInvocation] = [
        event("plain"),
        event(String(repeating: "é", count: 100)),  // 200 bytes, 100 characters
        event(String(repeating: "x", count: 200)),
        event("earliest", at: "0001-01-01T00:00:00.000000Z"),
        event("latest", at: "9999-12-31T23:59:59.999999Z"),
        event("leap-day", at: "2024-02-29T12:00:00.500000Z"),
        event("no-path", path: nil, duration: nil),
        event("empty-path", path: ""),
        event("zero", duration: 0),
        event("huge", duration: Double.greatestFiniteMagnitude),
        event("tiny", duration: Double.leastNonzeroMagnitude),
        event("actions", actions: ["git commit", "quote \" and \\ backslash", "tab\tnewline\n", "ünïcödé ✓", ""]),
        event("unfinished", duration: nil, finished: false),
        event("context", context: JSONObject([
            ("n", .number(JSONNumber(int: 3))), ("f", .number(JSONNumber(double: 0.1))),
            ("nested", .array([.object(JSONObject([("k", .string("v\u{1}"))])), .null, .bool(true)])),
        ])),
    ]

    @Test(arguments: edgeEvents)
    func anEventCalledSafeIsAcceptedByTheChecks(_ event: SkillInvocation) throws {
        try event.validate()
        #expect(CheckedByConstruction.satisfiesChecks(event, actionsJSON: EventLog.actionsJSON(event.followUpActions)))
        let db = try TestDatabase()
        // One event: the trigger path, CHECKs on.
        let result = try db.store.append(event)
        #expect(result.appended == 1)
    }

    /// The six characters `\u0000` are found by bytes wherever they sit, as the CHECK's `instr`
    /// finds them (a combining mark after them, an escaped backslash before them, at either end).
    @Test(arguments: [
        (#""#, false), (#"\u0000"#, true), (#"["\u0000"]"#, true), (#"["a\u0000"#, true),
        (#"\u000"#, false), (#"\u00000"#, true), (#"["\u0000\u0301"]"#, true), ("[\"\\u0000\u{301}\"]", true),
        (#"["\\u0000"]"#, true), (#"["\u0001", "u0000"]"#, false), (#"\\\\\"#, false),
    ])
    func escapedNULIsFoundByItsBytes(_ text: String, _ expected: Bool) {
        #expect(CheckedByConstruction.containsEscapedNUL(text) == expected)
    }

    /// The stored rows (all content columns) of a store, in seq order.
    static func storedRows(_ store: SkillMetricsStore) throws -> [[DatabaseValue]] {
        try store.read { db in
            try Row.fetchAll(db, sql: "SELECT \(EventLog.columns) FROM skill_invocation ORDER BY seq").map { row in
                // recorded_at (the last column) is when the row was written, not content.
                Array(row.databaseValues.dropLast())
            }
        }
    }

    @Test func bulkAndEventByEventAppendsStoreTheSameRows() throws {
        // Enough events for the incremental fold (the CHECKs off) and the whole-log fold.
        var events: [SkillInvocation] = []
        for round in 0..<150 {
            for base in Self.edgeEvents {
                var copy = base
                copy.id = "\(round)" + base.id.dropFirst(String(round).count)  // as long as the original
                events.append(copy)
            }
        }
        // Batches below the incremental fold's minimum: the triggers, with the CHECKs on.
        let oneByOne = try TestDatabase()
        for start in stride(from: 0, to: events.count, by: 50) {
            try oneByOne.store.append(Array(events[start..<min(start + 50, events.count)]))
        }
        let bulk = try TestDatabase()
        try bulk.store.append(Array(events.dropLast(70)))  // the whole-log fold (2,030 events)
        try bulk.store.append(Array(events.suffix(70)))  // the incremental fold
        #expect(try Self.storedRows(bulk.store) == Self.storedRows(oneByOne.store))
        #expect(try bulk.store.verify().isConsistent)
    }

    /// Events the V1 CHECKs refuse although `validate()` accepts them.
    static let refusedByTheSchema: [SkillInvocation] = [
        // The six characters \u0000 in the follow-up JSON (an escaped backslash before "u0000").
        event("backslash-u0000", actions: [#"\u0000"#]),
        // The same followed by a combining mark: the last "0" and U+0301 are one Character, so a
        // Character-wise search misses the six characters; SQLite's instr compares bytes.
        event("backslash-u0000-combining", actions: ["\\u0000\u{301}"]),
        // A user context that is not JSON to SQLite (a non-finite number).
        event("nan-context", context: JSONObject([("x", .number(JSONNumber(double: .nan)))])),
    ]

    @Test(arguments: refusedByTheSchema)
    func anEventTheChecksRefuseIsRefusedByABulkAppendAndNothingIsWritten(_ event: SkillInvocation) throws {
        try event.validate()
        #expect(!CheckedByConstruction.satisfiesChecks(event, actionsJSON: EventLog.actionsJSON(event.followUpActions)))
        let single = try TestDatabase()
        #expect(throws: SkillMetricsError.self) { try single.store.append(event) }

        for existing in [0, 200] {
            let db = try TestDatabase()
            if existing > 0 {
                try db.store.append((0..<existing).map { Self.event("old-\($0)") })
            }
            var batch = (0..<100).map { Self.event("new-\($0)") }
            batch.insert(event, at: 57)
            #expect(throws: SkillMetricsError.self) { try db.store.append(batch) }
            #expect(try SkillMetricsQueries(store: db.store).eventCount() == existing)
            // The connection enforces the CHECKs again afterwards.
            let checks = try db.store.writeWithoutTransaction { db in try CheckedByConstruction.checksIgnored(db) }
            #expect(!checks)
            #expect(try db.store.verify().isConsistent)
        }
    }

    /// A plain INSERT inside a bulk load (as the team log's pull writes copied rows) meets the
    /// CHECKs: only the typed appends switch them off.
    @Test func plainInsertsInsideABulkLoadMeetTheChecks() throws {
        let db = try TestDatabase()
        #expect(throws: DatabaseError.self) {
            try db.store.write { db in
                try BulkProjectionLoad.run(db) {
                    try db.execute(sql: """
                        INSERT INTO skill_invocation (id, skill_name, invoked_at, completed)
                        VALUES ('bad-date', 's', '2026-02-30T10:00:00.000000Z', 1)
                        """)
                }
            }
        }
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == 0)
    }
}
