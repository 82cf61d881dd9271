import Foundation
import GRDB
import Synchronization
import Testing
@testable import SkillMetrics

/// A large import suspends the projection triggers and folds once; the result must be the
/// rows the triggers would have written, and the triggers must be back afterwards.
@Suite("Bulk projection load")
struct BulkProjectionLoadTests {
    static func storedProjections(_ store: SkillMetricsStore) throws -> [String] {
        try store.read { db in
            var rows: [String] = []
            for sql in [
                // Every projection column (not the percentile trigger's cursor cache).
                "SELECT skill_name, total_invocations, completed_invocations, abandoned_invocations, total_duration_seconds, workflow_paths, common_errors, follow_up_actions, first_invoked, last_invoked, completion_rate, avg_duration_seconds, first_seq, last_seq, duration_count, min_duration_seconds, max_duration_seconds, p50_duration_seconds, p95_duration_seconds, p99_duration_seconds FROM skill_metrics ORDER BY skill_name",
                "SELECT * FROM session_skill ORDER BY session_id, skill_name",
            ] {
                for row in try Row.fetchAll(db, sql: sql) {
                    rows.append(row.map { column, value -> String in
                        if case .double(let double) = value.storage { return "\(column)=\(double.bitPattern)" }
                        return "\(column)=\(value)"
                    }.joined(separator: "|"))
                }
            }
            return rows
        }
    }

    /// The triggers and the indexes with their SQL (a bulk load suspends the projection
    /// triggers and, into an empty or smaller log, the event table's secondary indexes).
    static func triggerNames(_ store: SkillMetricsStore) throws -> [String] {
        try store.read { db in
            try String.fetchAll(db, sql: """
                SELECT type || ' ' || name || ':' || coalesce(sql, '') FROM sqlite_master
                WHERE type IN ('trigger', 'index') ORDER BY type, name
                """)
        }
    }

    static func integrityCheck(_ store: SkillMetricsStore) throws -> [String] {
        try store.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    @Test("bulk import writes exactly what the per-event triggers write", arguments: ["large.json", "session-buddy.json"])
    func bulkEqualsTriggers(fixture: String) throws {
        let path = PackagePaths.fixture("legacy/\(fixture)")
        let zone = try LegacyTimeZone(identifier: "UTC")
        let bulk = try TestDatabase()
        let perEvent = try TestDatabase()
        let triggersBefore = try Self.triggerNames(bulk.store)
        let document = try LegacyDocument.load(path: path)
        // session-buddy.json (300 invocations, with sessions) is below the automatic threshold:
        // force the bulk path for it.
        let bulkReport = try DataMigrator(store: bulk.store).importDocument(
            document, source: path, options: DataMigrator.Options(timeZone: zone, projection: fixture == "large.json" ? .automatic : .bulk))
        let perEventReport = try DataMigrator(store: perEvent.store).importDocument(
            document, source: path, options: DataMigrator.Options(timeZone: zone, projection: .perEvent))
        #expect(bulkReport.appended == perEventReport.appended)
        #expect(try Self.storedProjections(bulk.store) == Self.storedProjections(perEvent.store))
        #expect(try Self.triggerNames(bulk.store) == triggersBefore, "the projection triggers and the indexes are back, unchanged")
        #expect(try Self.integrityCheck(bulk.store) == ["ok"], "every index holds every row")
        // The triggers work again afterwards.
        try bulk.store.append(SkillInvocation(
            id: "after-bulk", skillName: "after", invokedAt: ts("2030-01-01T00:00:00Z"), durationSeconds: 1.5, sessionID: "s"))
        try perEvent.store.append(SkillInvocation(
            id: "after-bulk", skillName: "after", invokedAt: ts("2030-01-01T00:00:00Z"), durationSeconds: 1.5, sessionID: "s"))
        #expect(try SkillMetricsQueries(store: bulk.store).metrics(for: "after")?.totalInvocations == 1)
        #expect(try Self.storedProjections(bulk.store) == Self.storedProjections(perEvent.store))
        #expect(try bulk.store.verify().isConsistent)
    }

    /// An import into an empty log builds and folds its events on a second thread while the
    /// writer inserts (ChunkPipeline): an entry the builder refuses, well after the first
    /// chunks went in, must still name the entry and leave nothing behind.
    @Test("a pipelined import failing mid-file names the entry; log, schema and progress as before")
    func pipelinedImportFailure() throws {
        let path = PackagePaths.fixture("legacy/large.json")
        var document = try LegacyDocument.load(path: path)
        let order = CompletionOrder(document)
        #expect(order.positions.count >= 3 * DataMigrator.eventsPerChunk)
        // The entry appended third-chunk-in: two chunks of events are inserted before it.
        let bad = order.positions[2 * DataMigrator.eventsPerChunk + 17]
        let name = document.invocations[bad].skillName
        document.invocations[bad].skillName = "bad\u{0}name"
        let database = try TestDatabase()
        let schema = try Self.triggerNames(database.store)
        let told = Mutex<[Int]>([])
        let error = #expect(throws: SkillMetricsError.self) {
            try DataMigrator(store: database.store).importDocument(
                document, source: "edited.json", options: DataMigrator.Options(timeZone: try LegacyTimeZone(identifier: "UTC")),
                progress: { done in told.withLock { $0.append(done) } })
        }
        #expect(error?.description.contains("edited.json: invocations[\(bad)]") == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("skill_name") == true, "\(error?.description ?? "")")
        #expect(told.withLock { $0 } == [1_000, 2_000], "the writer had taken the two chunks before the bad entry")
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == 0)
        #expect(try Self.triggerNames(database.store) == schema)
        #expect(try database.store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_totals") } == 0)

        // The document as it was imports, equal to the per-event path.
        document.invocations[bad].skillName = name
        let report = try DataMigrator(store: database.store).importDocument(
            document, source: "fixed.json", options: DataMigrator.Options(timeZone: try LegacyTimeZone(identifier: "UTC")))
        let perEvent = try TestDatabase()
        _ = try DataMigrator(store: perEvent.store).importDocument(
            document, source: "fixed.json", options: DataMigrator.Options(timeZone: try LegacyTimeZone(identifier: "UTC"), projection: .perEvent))
        #expect(report.appended == document.invocations.count)
        #expect(report.mismatches.isEmpty)
        #expect(try Self.storedProjections(database.store) == Self.storedProjections(perEvent.store))
        #expect(try database.store.verify().isConsistent)
    }

    @Test("a failing bulk load rolls back the events and keeps the triggers")
    func failureRollsBack() throws {
        let database = try TestDatabase()
        try database.store.append(SkillInvocation(id: "kept", skillName: "s", invokedAt: ts("2026-01-01T00:00:00Z"), durationSeconds: 1))
        let triggers = try Self.triggerNames(database.store)
        let before = try Self.storedProjections(database.store)
        #expect(throws: SkillMetricsError.self) {
            try database.store.write { db in
                try BulkProjectionLoad.run(db) {
                    _ = try EventLog.append(SkillInvocation(id: "x1", skillName: "s", invokedAt: ts("2026-01-02T00:00:00Z")), in: db)
                    _ = try EventLog.append(SkillInvocation(id: "kept", skillName: "other", invokedAt: ts("2026-01-02T00:00:00Z")), in: db)
                }
            }
        }
        #expect(try Self.triggerNames(database.store) == triggers)
        #expect(try Self.storedProjections(database.store) == before)
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == 1)
    }

    /// Into an empty log the event indexes are dropped for the load: a failure must roll that
    /// back too, and a load that succeeds must leave every index complete and used.
    @Test("a bulk load into an empty log: indexes back after a failure and after a success")
    func emptyLogIndexes() throws {
        let database = try TestDatabase()
        let schema = try Self.triggerNames(database.store)
        #expect(schema.contains { $0.hasPrefix("index idx_skill_invocation_durations:") })
        #expect(throws: SkillMetricsError.self) {
            try database.store.write { db in
                try BulkProjectionLoad.run(db, loading: 3) {
                    _ = try EventLog.append(SkillInvocation(id: "a", skillName: "s", invokedAt: ts("2026-01-02T00:00:00Z")), in: db)
                    _ = try EventLog.append(SkillInvocation(id: "a", skillName: "t", invokedAt: ts("2026-01-02T00:00:00Z")), in: db)
                }
            }
        }
        #expect(try Self.triggerNames(database.store) == schema)
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == 0)
        // Statement journals in memory (2) on the writer, after a failed bulk load too.
        func tempStore() throws -> Int? { try database.store.write { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") } }
        #expect(try tempStore() == 2)

        let start = ts("2026-01-02T00:00:00Z")
        var events: [SkillInvocation] = []
        for index in 0..<3_000 {
            let completed = index % 5 != 0
            let duration: Double? = completed ? Double(index % 97) / 8 : nil
            events.append(SkillInvocation(
                id: "e\(index)", skillName: "skill-\(index % 7)", invokedAt: start,
                completed: completed, durationSeconds: duration, sessionID: "s\(index / 10)"))
        }
        try database.store.append(events)
        #expect(try tempStore() == 2)
        #expect(try Self.triggerNames(database.store) == schema)
        #expect(try Self.integrityCheck(database.store) == ["ok"])
        #expect(try database.store.verify().isConsistent)
        let plan = try database.store.read { db in
            try Row.fetchAll(db, sql: """
                EXPLAIN QUERY PLAN SELECT duration_seconds FROM skill_invocation
                WHERE skill_name = 'skill-3' AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL
                ORDER BY duration_seconds
                """).map { try $0.decode(String.self, atIndex: 3) }.joined(separator: " ")
        }
        #expect(plan.contains("idx_skill_invocation_durations"), "\(plan)")
    }

    /// `appendInBulk` with the insert guards live or checked afterwards refuses the same rows
    /// (a stored id; an unfinished event with a follow-up that is not a string, with the
    /// guard's own message), writes nothing then, and accepts the same good rows.
    @Test(arguments: [SkillMetricsStore.InsertGuards.live, .checkedAfterwards],
          [SkillMetricsStore.BulkProjection.wholeLogFold, .incrementalFold])
    func insertGuardsLiveOrCheckedAfterwardsRefuseTheSameRows(
        guards: SkillMetricsStore.InsertGuards, projection: SkillMetricsStore.BulkProjection
    ) throws {
        let database = try TestDatabase()
        try database.store.append((0..<100).map {
            SkillInvocation(id: "e\($0)", skillName: "s\($0 % 3)", invokedAt: ts("2026-03-01T10:00:00.000001Z"),
                            durationSeconds: Double($0), sessionID: "x")
        })
        let schemaBefore = try Self.triggerNames(database.store)
        func insert(_ db: Database, _ id: String, finished: Int, actions: String) throws {
            try db.execute(sql: """
                INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, follow_up_actions, finished)
                VALUES (?, 's1', '2026-03-02T10:00:00.000001Z', 0, ?, ?)
                """, arguments: [id, actions, finished])
        }
        let refusals: [(String, (Database) throws -> Void)] = [
            ("follow_up_actions must be a JSON array of strings", { db in
                try insert(db, "new-1", finished: 1, actions: #"["a"]"#)
                try insert(db, "new-2", finished: 0, actions: #"["a", 1]"#)
            }),
            ("", { db in  // a stored id: the guard's message, or the UNIQUE index's
                try insert(db, "new-1", finished: 1, actions: "[]")
                try insert(db, "e7", finished: 1, actions: "[]")
            }),
        ]
        for (message, body) in refusals {
            do {
                try database.store.appendInBulk(projection, insertGuards: guards, body)
                Issue.record("appendInBulk accepted rows its guards refuse (\(message))")
            } catch let error as DatabaseError {
                #expect(error.resultCode == .SQLITE_CONSTRAINT)
                if !message.isEmpty { #expect(error.message?.contains(message) == true, "\(error)") }
            }
            #expect(try SkillMetricsQueries(store: database.store).eventCount() == 100)
            #expect(try Self.triggerNames(database.store) == schemaBefore)
        }
        try database.store.appendInBulk(projection, insertGuards: guards) { db in
            try insert(db, "new-1", finished: 1, actions: #"["a", "b"]"#)
            try insert(db, "new-2", finished: 0, actions: #"["c"]"#)
        }
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == 102)
        #expect(try Self.triggerNames(database.store) == schemaBefore)
        #expect(try database.store.verify().isConsistent)
    }
}

/// `appendInBulkToEmptyLog`: a clone whose caller folds the events itself (on another thread,
/// while the rows are written) must store what the store's own fold stores, fall back to that
/// fold when the caller's does not match the stored seqs, and refuse a log that has events.
@Suite struct CallerFoldedLoadTests {
    static let events: [SkillInvocation] = (0..<3_000).map { index in
        let finished = index % 97 != 5
        let completed = finished && index % 7 != 0
        return SkillInvocation(
            id: "c\(index)", skillName: "skill-\(index * 7 % 13)",
            invokedAt: Timestamp(microsecondsSinceEpoch: 1_767_225_600_000_000 + Int64(index) * 1_000_003),
            workflowPath: index % 5 == 0 ? nil : "path-\(index % 11)", completed: completed,
            durationSeconds: completed ? Double(index % 17) * 0.25 : nil,
            errorType: completed || !finished ? nil : "Error\(index % 3)",
            sessionID: index % 4 == 0 ? nil : "session-\(index / 9)",
            followUpActions: (0..<(index % 3)).map { "action-\(($0 + index) % 5)" }, finished: finished)
    }

    /// Inserts `events` with plain INSERTs and folds them (seqs 1, 2, …), leaving out the
    /// last `unfolded` from the fold; with `renaming`, the first event is folded under another
    /// skill name than the one stored.
    static func load(_ store: SkillMetricsStore, unfolded: Int = 0, renaming: Bool = false) throws {
        try store.appendInBulkToEmptyLog(insertGuards: .checkedAfterwards) { db -> ProjectionSet in
            // The load's transaction sorts its index re-creation with temporary files (1).
            #expect(try Int.fetchOne(db, sql: "PRAGMA temp_store") == 1)
            var projections = ProjectionSet()
            for (index, event) in events.enumerated() {
                try db.execute(sql: """
                    INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed, duration_seconds,
                                                  error_type, session_id, follow_up_actions, finished)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [event.id, event.skillName, event.invokedAt.canonical, event.workflowPath,
                                     event.completed, event.durationSeconds, event.errorType, event.sessionID,
                                     EventLog.actionsJSON(event.followUpActions), event.finished])
                if index < events.count - unfolded {
                    var folded = ProjectionEvent(event, seq: Int64(index + 1))
                    if renaming, index == 0 { folded.skillName = "folded-by-the-caller" }
                    projections.apply(folded)
                }
            }
            return projections
        }
    }

    @Test(arguments: [0, 1])
    func aLoadFoldedByItsCallerStoresTheStoresFold(unfolded: Int) throws {
        let reference = try TestDatabase()
        try reference.store.append(Self.events)
        let database = try TestDatabase()
        try Self.load(database.store, unfolded: unfolded)
        // Back to statement journals in memory (2) for the appends after it.
        #expect(try database.store.write { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") } == 2)
        #expect(try BulkProjectionLoadTests.storedProjections(database.store)
            == BulkProjectionLoadTests.storedProjections(reference.store))
        #expect(try BulkProjectionLoadTests.triggerNames(database.store)
            == BulkProjectionLoadTests.triggerNames(reference.store))
        #expect(try database.store.verify().isConsistent)
        #expect(try BulkProjectionLoadTests.integrityCheck(database.store) == ["ok"])
    }

    /// The caller's fold is what is written when the seqs match (no second fold from the
    /// stored rows): a fold that differs from the rows shows up, and `verify` finds it.
    @Test func theCallersFoldIsWrittenWhenTheSeqsMatch() throws {
        let database = try TestDatabase()
        try Self.load(database.store, renaming: true)
        let skills = try database.store.read { db in try String.fetchAll(db, sql: "SELECT skill_name FROM skill_totals") }
        #expect(skills.contains("folded-by-the-caller"))
        #expect(try database.store.verify().isConsistent == false)
    }

    @Test func aLogWithEventsIsRefusedAndUnchanged() throws {
        let database = try TestDatabase()
        try database.store.append(Array(Self.events.prefix(10)))
        let before = try BulkProjectionLoadTests.storedProjections(database.store)
        #expect(throws: SkillMetricsError.self) { try Self.load(database.store) }
        #expect(try BulkProjectionLoadTests.storedProjections(database.store) == before)
        #expect(try database.store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") } == 10)
    }
}
