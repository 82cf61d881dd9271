import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// Schema V5 (issue 9): the count rows, the `skill_metrics` view, the backfill from V4 and the
/// undo back to V4; the triggers and the Swift projectors agree on every row of the realistic
/// and adversarial workloads (Tests/SkillMetricsCLITests/Scripts/workload.py).
@Suite("Schema V5")
struct SchemaV5Tests {
    static let workload = PackagePaths.root + "/Tests/SkillMetricsCLITests/Scripts/workload.py"

    /// Runs the workload generator (python3) and fails the test on a non-zero exit.
    static func python(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", workload] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "workload.py \(arguments.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self)
    }

    /// The generator's events, decoded as the JSONL appender decodes them.
    static func events(_ shape: String, _ count: Int, seed: Int) throws -> [SkillInvocation] {
        let decoder = JSONLEventDecoder()
        return try python(["jsonl", shape, String(count), String(seed)])
            .split(separator: "\n").map { try decoder.decode(line: Array($0.utf8)) }
    }

    static func unmigratedStore(_ directory: TemporaryDirectory, _ name: String = "metrics.db") throws -> SkillMetricsStore {
        var options = SkillMetricsStore.Options()
        options.migrate = false
        return try SkillMetricsStore(path: directory.file(name), options: options)
    }

    static func schema(_ store: SkillMetricsStore) throws -> [String] {
        try store.read { db in
            try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").map { row in
                try (0..<4).map { try row.decode(String?.self, atIndex: $0) ?? "NULL" }.joined(separator: " | ")
            }
        }
    }

    /// Every projection table and the view, values rendered bit for bit (doubles by bit
    /// pattern), without the percentile trigger's cache columns.
    static func projections(_ store: SkillMetricsStore) throws -> [String] {
        try store.read { db in
            var rows: [String] = []
            for sql in [
                "SELECT * FROM skill_metrics ORDER BY skill_name",
                """
                SELECT skill_name, total_invocations, completed_invocations, abandoned_invocations,
                       total_duration_seconds, first_invoked, last_invoked, first_seq, last_seq, duration_count,
                       min_duration_seconds, max_duration_seconds, p50_duration_seconds, p95_duration_seconds,
                       p99_duration_seconds, schema_version
                FROM skill_totals ORDER BY skill_name
                """,
                "SELECT * FROM skill_key_count ORDER BY skill_name, field, key",
                "SELECT * FROM session_skill ORDER BY session_id, skill_name",
                "SELECT * FROM skill_workflow_path ORDER BY id",
                // The stored search index of schemas V5–V9 (V10 builds it per search).
                try db.tableExists("skill_workflow_path_fts")
                    ? "SELECT rowid, skill_name, workflow_path FROM skill_workflow_path_fts ORDER BY rowid" : "SELECT 1 WHERE 0",
            ] {
                for row in try Row.fetchAll(db, sql: sql) {
                    rows.append(row.map { column, value -> String in
                        if case .double(let double) = value.storage { return "\(column)=d\(double.bitPattern)" }
                        return "\(column)=\(value)"
                    }.joined(separator: "|"))
                }
                rows.append("--")
            }
            return rows
        }
    }

    @Test("a V4 log of 200k events migrates to V5, verifies, and undoes to exactly V4")
    func migrateLargeV4LogAndUndo() throws {
        let directory = TemporaryDirectory()
        let store = try Self.unmigratedStore(directory)
        try store.migrate(upTo: 4)
        _ = try Self.python(["insert-untriggered", store.path, "real", "200000", "11"])
        // The V4 projections of the log, by the Swift projectors (V4 tables).
        #expect(try store.rebuild().events == 200_000)
        let v4Rows = try SkillMetricsQueries(store: store).allMetricsInFirstSeenOrder()

        #expect(try store.migrate() == [5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
        let migrated = try store.verify()
        #expect(migrated.events == 200_000)
        #expect(migrated.differences.isEmpty, "\(migrated.differences.prefix(3))")
        #expect(try SkillMetricsQueries(store: store).allMetricsInFirstSeenOrder() == v4Rows)

        #expect(try store.undoMigrations(to: 4) == [14, 13, 12, 11, 10, 9, 8, 7, 6, 5])
        let fresh = try Self.unmigratedStore(directory, "fresh.db")
        try fresh.migrate(upTo: 4)
        #expect(try Self.schema(store) == Self.schema(fresh))
        let undone = try store.verify()
        #expect(undone.differences.isEmpty, "\(undone.differences.prefix(3))")
        #expect(try SkillMetricsQueries(store: store).allMetricsInFirstSeenOrder() == v4Rows)
    }

    @Test("the V5 backfill keeps the V4 triggers' rows and cursors: later events stay exact", arguments: ["real", "adversarial"])
    func backfillFromTriggerMadeV4(shape: String) throws {
        let directory = TemporaryDirectory()
        let store = try Self.unmigratedStore(directory)
        try store.migrate(upTo: 4)
        let events = try Self.events(shape, 3_000, seed: 5)
        // Batches of 1,000 on V4: the triggers (V4 has no incremental fold), cursors included.
        try store.append(Array(events[..<1_000]))
        try store.append(Array(events[1_000..<2_000]))
        let v4Rows = try SkillMetricsQueries(store: store).allMetricsInFirstSeenOrder()
        #expect(try store.migrate() == [5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
        #expect(try SkillMetricsQueries(store: store).allMetricsInFirstSeenOrder() == v4Rows)
        // 900 (incremental fold from the V4 cursors), then 100 one by one (triggers).
        try store.append(Array(events[2_000..<2_900]))
        for event in events[2_900...] { try store.append(event) }
        let result = try store.verify()
        #expect(result.differences.isEmpty, "\(result.differences.prefix(3))")
    }

    @Test("single appends (triggers) and large batches (Swift fold) give identical tables", arguments: ["real", "adversarial", "legacy"])
    func batchFoldEqualsTriggers(shape: String) throws {
        let events = try Self.events(shape, 6_000, seed: 3)
        let triggered = try TestDatabase()
        let folded = try TestDatabase()
        for start in stride(from: 0, to: events.count, by: 50) {
            // 50 per transaction: below BulkProjectionLoad.incrementalMinimumCount, the triggers run.
            try triggered.store.append(Array(events[start..<min(start + 50, events.count)]))
        }
        // 2,500 into an empty log and 2,500 more (each as large as the log: the whole-log fold),
        // 700 and 260 (the incremental fold of the batch, moving the percentile cursors), then
        // 40 (the triggers, carrying on from the folded cursors).
        var start = 0
        for size in [2_500, 2_500, 700, 260, 40] {
            try folded.store.append(Array(events[start..<start + size]))
            start += size
        }
        #expect(try Self.projections(folded.store) == Self.projections(triggered.store))
        #expect(try folded.store.verify().isConsistent)
        #expect(try triggered.store.verify().isConsistent)
    }

    @Test("many incremental batches (stored and new pairs, long duration chains, re-sent events) give the triggers' tables", arguments: ["real", "adversarial"])
    func incrementalBatchesEqualTriggers(shape: String) throws {
        let events = try Self.events(shape, 7_000, seed: 11)
        let triggered = try TestDatabase()
        let folded = try TestDatabase()
        for start in stride(from: 0, to: events.count, by: 50) {
            try triggered.store.append(Array(events[start..<min(start + 50, events.count)]))
        }
        // Every batch is at least BulkProjectionLoad.incrementalMinimumCount and smaller than
        // the log after the first one: the incremental fold, with multi-row INSERTs of the events.
        var start = 0
        var round = 0
        let sizes = [1_000, 64, 1_000, 333, 999, 71, 1_000, 1_000, 500]
        while start < events.count {
            let size = min(sizes[round % sizes.count], events.count - start)
            var batch = Array(events[start..<start + size])
            if round % 3 == 2 {
                // Events already stored (the same content): skipped, the rest still appended.
                batch.insert(contentsOf: events[(start - 30)..<(start - 10)], at: size / 2)
            }
            let result = try folded.store.append(batch)
            #expect(result.appended == size, "round \(round)")
            #expect(result.alreadyPresent == batch.count - size, "round \(round)")
            start += size
            round += 1
        }
        #expect(try Self.projections(folded.store) == Self.projections(triggered.store))
        #expect(try folded.store.verify().isConsistent)
    }

    @Test("the adversarial workload: triggers and projectors agree on every row", arguments: ["adversarial", "real"])
    func triggersEqualProjectors(shape: String) throws {
        let database = try TestDatabase()
        _ = try Self.python(["insert", database.path, shape, "8000", "2"])
        let result = try database.store.verify()
        #expect(result.events == 8_000)
        #expect(result.differences.isEmpty, "\(result.differences.prefix(3))")
        let byTriggers = try Self.projections(database.store)
        let listByTriggers = try SkillMetricsQueries(store: database.store).allMetricsInFirstSeenOrder()
        try database.store.rebuild()
        #expect(try Self.projections(database.store) == byTriggers)
        #expect(try SkillMetricsQueries(store: database.store).allMetricsInFirstSeenOrder() == listByTriggers)
    }

    @Test("verify names the table, skill, field and key of a tampered count row")
    func verifyNamesTheKey() throws {
        // Schemas V5–V10, where paths are count rows too (V11: SchemaV11Tests).
        let directory = TemporaryDirectory()
        let store = try Self.unmigratedStore(directory)
        try store.migrate(upTo: 10)
        try store.append(SkillInvocation(
            id: "a", skillName: "deploy", invokedAt: ts("2026-01-01T00:00:00Z"), workflowPath: "ci/release",
            completed: true, durationSeconds: 1.5, followUpActions: ["lint", "test"]))
        try store.write { db in
            // An order-preserving change of a count row (the view shows nothing) and a search row.
            try db.execute(sql: "UPDATE skill_key_count SET first_index = 5 WHERE key = 'test'")
            try db.execute(sql: "UPDATE skill_workflow_path SET invocation_count = 3")
        }
        #expect(try store.verify().differences.map(\.description) == [
            "skill_key_count \"deploy\" × \"follow_up_actions\" × \"test\": first_index: stored 5, recomputed 1",
            "skill_workflow_path \"deploy\" × \"ci/release\": invocation_count: stored 3, recomputed 1",
        ])
        // A count the view shows is reported once, as the legacy field of skill_metrics.
        try store.write { db in
            try db.execute(sql: "UPDATE skill_key_count SET count = 7 WHERE key = 'lint'")
        }
        let differences = try store.verify().differences
        #expect(differences.first?.table == "skill_metrics")
        #expect(differences.first?.key == ["deploy"])
        #expect(differences.first?.field == "follow_up_actions")
        #expect(!differences.contains { $0.table == "skill_key_count" && $0.field == "count" })
        // The view's UPDATE goes through to the tables (as SQL that edited the V4 table expects).
        try store.write { db in
            try db.execute(sql: "UPDATE skill_metrics SET avg_duration_seconds = 9.5, workflow_paths = '{\"x\":2,\"y\":1}'")
        }
        #expect(try SkillMetricsQueries(store: store).metrics(for: "deploy")?.avgDurationSeconds == 9.5)
        #expect(try SkillMetricsQueries(store: store).metrics(for: "deploy")?.workflowPaths.sqliteJSON == #"{"x":2,"y":1}"#)
        try store.rebuild()
        #expect(try store.verify().isConsistent)
        #expect(try SkillMetricsQueries(store: store).metrics(for: "deploy")?.followUpActions.sqliteJSON == #"{"lint":1,"test":1}"#)
    }

    @Test("a foreign file's NULL in a NOT NULL column is an error naming table, column and seq")
    func projectionEventReadsColumnsSafely() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("foreign.db")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE skill_invocation (seq INTEGER PRIMARY KEY, skill_name, invoked_at, workflow_path,
                    completed, duration_seconds, error_type, session_id, follow_up_actions, finished);
                INSERT INTO skill_invocation VALUES (1, 's', '2026-01-01T00:00:00.000000Z', NULL, 1, 1.0, NULL, NULL, '[]', 1);
                INSERT INTO skill_invocation VALUES (2, NULL, '2026-01-01T00:00:00.000000Z', NULL, 1, 1.0, NULL, NULL, '[]', 1);
                """)
        }
        try queue.read { db in
            var seen = 0
            #expect {
                try ProjectionEvent.forEach(db) { _ in seen += 1 }
            } throws: { error in
                "\(error)".contains("skill_invocation seq 2, column skill_name")
            }
            #expect(seen == 1)
        }
    }
}
