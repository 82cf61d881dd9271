import GRDB
import Testing
@testable import SkillMetrics

/// The append path tries the INSERT first and reads the stored event only when the schema
/// refuses the id: idempotency, conflicts and batch atomicity must behave as before.
@Suite struct AppendPathTests {
    func event(_ id: String, skill: String = "s", duration: Double? = 1.5, actions: [String] = []) -> SkillInvocation {
        SkillInvocation(
            id: id, skillName: skill, invokedAt: ts("2026-03-01T10:00:00.000001Z"),
            workflowPath: "quick", durationSeconds: duration, sessionID: "session-1",
            followUpActions: actions)
    }

    @Test func newEventIsAppendedWithItsSeq() throws {
        let db = try TestDatabase()
        let first = try db.store.append(event("a"))
        let second = try db.store.append(event("b"))
        #expect(first.appended == 1 && first.alreadyPresent == 0)
        #expect(second.lastSeq == (first.lastSeq ?? 0) + 1)
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == 2)
    }

    @Test func sameIdSameContentIsANoOp() throws {
        let db = try TestDatabase()
        try db.store.append(event("a", actions: ["git commit"]))
        let again = try db.store.append(event("a", actions: ["git commit"]))
        #expect(again.appended == 0)
        #expect(again.alreadyPresent == 1)
        #expect(again.lastSeq == nil)
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == 1)
        #expect(try SkillMetricsQueries(store: db.store).metrics(for: "s")?.totalInvocations == 1)
    }

    @Test func sameIdDifferentContentIsAConflictNamingTheFields() throws {
        let db = try TestDatabase()
        try db.store.append(event("a"))
        #expect(throws: SkillMetricsError.conflictingEvent(id: "a", fields: ["skill_name", "duration_seconds"])) {
            try db.store.append(event("a", skill: "other", duration: 2.5))
        }
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == 1)
        #expect(try SkillMetricsQueries(store: db.store).metrics(for: "other") == nil)
    }

    @Test func duplicateInsideOneBatchCountsOnce() throws {
        let db = try TestDatabase()
        let result = try db.store.append([event("a"), event("b"), event("a")])
        #expect(result.appended == 2)
        #expect(result.alreadyPresent == 1)
        #expect(try SkillMetricsQueries(store: db.store).metrics(for: "s")?.totalInvocations == 2)
    }

    /// Batches large enough for the bulk paths (whole-log fold: `stored` small, the batch
    /// larger; incremental fold: the batch smaller than the log), which suspend the insert
    /// guard triggers: a stored id is still skipped or refused exactly as by the guard, a
    /// duplicate inside the batch still counts once, a conflict still writes nothing, and the
    /// triggers come back unchanged either way.
    @Test(arguments: [(stored: 10, batch: 2_500), (stored: 500, batch: 200)])
    func bulkBatchesKeepIdempotencyAndConflicts(stored: Int, batch: Int) throws {
        let db = try TestDatabase()
        try db.store.append((0..<stored).map { event("old-\($0)") })
        let schemaBefore = try BulkProjectionLoadTests.triggerNames(db.store)
        var events = (0..<batch).map { event("new-\($0)", skill: "s\($0 % 7)") }
        events.insert(event("old-3"), at: batch / 3)  // stored, same content: skipped
        events.append(event("new-5", skill: "s5"))  // twice in the batch: counted once
        let result = try db.store.append(events)
        #expect(result.appended == batch)
        #expect(result.alreadyPresent == 2)
        #expect(try BulkProjectionLoadTests.triggerNames(db.store) == schemaBefore)
        #expect(try db.store.verify().isConsistent)

        var conflicting = (0..<batch).map { event("more-\($0)") }
        conflicting.insert(event("old-4", duration: 99), at: batch / 2)
        #expect(throws: SkillMetricsError.conflictingEvent(id: "old-4", fields: ["duration_seconds"])) {
            try db.store.append(conflicting)
        }
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == stored + batch)
        #expect(try BulkProjectionLoadTests.triggerNames(db.store) == schemaBefore)
        // The guards are live again for a plain client's INSERT OR REPLACE of a stored id.
        #expect(throws: DatabaseError.self) {
            try db.store.write { db in
                try db.execute(sql: """
                    INSERT OR REPLACE INTO skill_invocation (id, skill_name, invoked_at, completed, follow_up_actions)
                    VALUES ('old-1', 's', '2026-03-01T10:00:00.000001Z', 0, '[]')
                    """)
            }
        }
        #expect(try db.store.verify().isConsistent)
    }

    @Test func conflictLateInABatchWritesNothingAndLeavesTheStoreUsable() throws {
        let db = try TestDatabase()
        try db.store.append(event("a"))
        #expect(throws: SkillMetricsError.self) {
            try db.store.append([event("b"), event("c"), event("a", duration: 9)])
        }
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == 1)
        #expect(try SkillMetricsQueries(store: db.store).metrics(for: "s")?.totalInvocations == 1)
        // No transaction was left open: the next append and a read both work.
        try db.store.append(event("d"))
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == 2)
        #expect(try db.store.verify().isConsistent)
    }

    @Test func appendTransactionRollsBackOnAnyError() throws {
        let db = try TestDatabase()
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.store.appendTransaction { db in
                _ = try EventLog.append(event("a"), in: db)
                throw Boom()
            }
        }
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == 0)
        try db.store.append(event("a"))
        #expect(try SkillMetricsQueries(store: db.store).eventCount() == 1)
    }
}

/// The append path's own canonical timestamp formatter must write what `Timestamp.canonical` does.
@Suite struct CanonicalTextTests {
    @Test func agreesWithTimestampCanonical() {
        var values: [Int64] = [
            0, 1, -1, 999_999, 1_000_000, 1_767_225_600_000_000, 1_767_225_600_123_456,
            Timestamp.minimum.microsecondsSinceEpoch, Timestamp.maximum.microsecondsSinceEpoch,
            951_782_400_000_000,  // 2000-02-29
            -2_208_988_800_000_001,  // 1899-12-31T23:59:59.999999
        ]
        var generator = SeededRandom()
        for _ in 0..<2_000 {
            values.append(Int64.random(
                in: Timestamp.minimum.microsecondsSinceEpoch...Timestamp.maximum.microsecondsSinceEpoch,
                using: &generator))
        }
        for value in values {
            let timestamp = Timestamp(microsecondsSinceEpoch: value)
            // The byte-writing formatter against the general one.
            let general = LocalDateTime(utcMicroseconds: value).text(fractionDigits: 6) + "Z"
            #expect(timestamp.canonical == general, "at \(value) µs; \(generator)")
        }
    }
}

/// The bulk paths bind `recorded_at` themselves; it must read as the column's DEFAULT writes it.
@Suite struct RecordedAtTests {
    @Test(arguments: [
        ("2026-12-04T20:30:00.123999Z", "2026-12-04 20:30:00.123"),
        ("2024-02-29T23:59:59.999999Z", "2024-02-29 23:59:59.999"),
        ("1970-01-01T00:00:00.000000Z", "1970-01-01 00:00:00.000"),
    ])
    func theTextIsSQLitesStrftime(_ time: String, _ sqliteTime: String) throws {
        let database = try TestDatabase()
        let expected = try database.store.read { db in
            try String.fetchOne(db, sql: "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ?)", arguments: [sqliteTime])
        }
        #expect(try Timestamp.parse(time).recordedAtText == expected)
    }

    @Test func aBulkAppendRecordsTheTimeOfTheAppend() throws {
        let database = try TestDatabase()
        let now = "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
        let before = try database.store.read { db in try String.fetchOne(db, sql: now) } ?? ""
        try database.store.append((0..<3_000).map {
            SkillInvocation(id: "r\($0)", skillName: "s\($0 % 7)", invokedAt: ts("2026-03-01T10:00:00Z"), durationSeconds: 1)
        })
        let after = try database.store.read { db in try String.fetchOne(db, sql: now) } ?? ""
        let matching = try database.store.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM skill_invocation
                WHERE recorded_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'
                  AND recorded_at BETWEEN ? AND ?
                """, arguments: [before, after])
        }
        #expect(matching == 3_000)
    }
}
