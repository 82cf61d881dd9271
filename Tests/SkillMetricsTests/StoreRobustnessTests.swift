import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// Read-only opening, the open-time version check, schema conformance, checked row decoding,
/// monotonic durations and input caps (issue 10).
@Suite("Store robustness")
struct StoreRobustnessTests {
    static func readOnly(
        migrate: Bool = true, schemaCheck: SkillMetricsStore.Options.SchemaCheck = .none
    ) -> SkillMetricsStore.Options {
        var options = SkillMetricsStore.Options()
        options.access = .readOnly
        options.migrate = migrate
        options.schemaCheck = schemaCheck
        return options
    }

    @Test func readOnlyOpenOfAMissingFileCreatesNothing() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("sub/missing.db")
        #expect {
            try SkillMetricsStore(path: path, options: Self.readOnly())
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("no such database file")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: directory.file("sub")))
    }

    @Test func readOnlyOpenOfAnOlderSchemaAsksForMigrateAndChangesNothing() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("v1.db")
        var writable = SkillMetricsStore.Options()
        writable.migrate = false
        try SkillMetricsStore(path: path, options: writable).migrate(upTo: 1)
        #expect(throws: SkillMetricsError.schemaNeedsMigration(path: path, version: 1, latestVersion: try MigrationRunner().latestVersion)) {
            try SkillMetricsStore(path: path, options: Self.readOnly())
        }
        let store = try SkillMetricsStore(path: path, options: Self.readOnly(migrate: false))
        #expect(try store.schemaVersion() == 1)
        // A read-only store cannot write.
        #expect(throws: (any Error).self) {
            try store.write { db in try db.execute(sql: "CREATE TABLE x (y)") }
        }
    }

    @Test func openingACurrentDatabaseTakesNoWriteLock() throws {
        let database = try TestDatabase()
        try database.store.append(SkillInvocation(id: "a", skillName: "s", invokedAt: ts("2026-01-01T00:00:00Z")))
        // Another connection holds the write lock for the whole open.
        let holder = try DatabaseQueue(path: database.path)
        try holder.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            var options = SkillMetricsStore.Options()
            options.busyTimeout = 0.05
            let store = try SkillMetricsStore(path: database.path, options: options)
            #expect(try SkillMetricsQueries(store: store).eventCount() == 1)
            try db.execute(sql: "ROLLBACK")
        }
    }

    @Test func aFreshlyMigratedDatabaseConforms() throws {
        let database = try TestDatabase()
        let conformance = SchemaConformance(runner: database.store.migrationRunner)
        #expect(try database.store.read { db in try conformance.differences(db) }.isEmpty)
        // And at every earlier version, including after an undo and a re-migration.
        for version in database.store.migrationRunner.migrations.map(\.version) {
            let directory = TemporaryDirectory()
            var options = SkillMetricsStore.Options()
            options.migrate = false
            let store = try SkillMetricsStore(path: directory.file("m.db"), options: options)
            try store.migrate(upTo: version)
            #expect(try store.read { db in try conformance.differences(db) }.isEmpty, "V\(version)")
        }
        try database.store.undoMigrations(to: 1)
        #expect(try database.store.read { db in try conformance.differences(db) }.isEmpty, "after undo")
        try database.store.migrate()
        #expect(try database.store.read { db in try conformance.differences(db) }.isEmpty, "after undo and migrate")
    }

    @Test(arguments: [
        ("DROP TRIGGER skill_invocation_no_delete", "trigger skill_invocation_no_delete is missing"),
        ("DROP INDEX idx_skill_invocation_invoked_at", "index idx_skill_invocation_invoked_at is missing"),
        ("CREATE TABLE extra (x)", "table extra is not created by any migration"),
        ("CREATE VIEW extra_view AS SELECT 1", "view extra_view is not created by any migration"),
        ("ALTER TABLE session_skill ADD COLUMN note TEXT", "column note is not created by any migration"),
        ("""
         CREATE TABLE copy AS SELECT * FROM skill_invocation; DROP TABLE skill_invocation;
         ALTER TABLE copy RENAME TO skill_invocation
         """, "table skill_invocation differs"),
    ])
    func schemaEditsAreNamed(_ edit: String, _ expected: String) throws {
        let database = try TestDatabase()
        try database.store.append(SkillInvocation(id: "a", skillName: "s", invokedAt: ts("2026-01-01T00:00:00Z")))
        try database.store.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA legacy_alter_table = ON")
            try db.execute(sql: edit)
        }
        let path = database.path
        #expect {
            try SkillMetricsStore(path: path, options: Self.readOnly(schemaCheck: .refuseAny))
        } throws: { error in
            guard case .schemaMismatch(let reported, let differences)? = error as? SkillMetricsError else { return false }
            return reported == path && differences.contains { $0.description.contains(expected) }
                && "\(error)".contains(expected)
        }
    }

    @Test func refuseTablesKeepsTriggerDifferencesAndRefusesTableOnes() throws {
        let database = try TestDatabase()
        try database.store.writeWithoutTransaction { db in try db.execute(sql: "DROP TRIGGER skill_invocation_no_update") }
        let store = try SkillMetricsStore(path: database.path, options: Self.readOnly(schemaCheck: .refuseTables))
        #expect(store.schemaDifferences.map(\.description) == ["trigger skill_invocation_no_update is missing"])
        try database.store.writeWithoutTransaction { db in try db.execute(sql: "ALTER TABLE session_skill ADD COLUMN note TEXT") }
        #expect { try SkillMetricsStore(path: database.path, options: Self.readOnly(schemaCheck: .refuseTables)) } throws: { error in
            "\(error)".contains("table session_skill differs: column note is not created by any migration")
        }
    }

    @Test func storedRowErrorsNameTableColumnAndRow() throws {
        let queue = try DatabaseQueue()
        try queue.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT 7 AS seq, NULL AS skill_name, X'FF' AS invoked_at, 2 AS completed, 'x' AS duration_seconds"))
            let stored = StoredRow(row, table: "skill_invocation")
            let seq: Int64 = try stored.decode(atIndex: 0)
            let keyed = stored.identified(by: "seq \(seq)")
            #expect(throws: SkillMetricsError.invalidStoredValue(
                table: "skill_invocation", column: "skill_name", row: "seq 7", reason: "expected text, found NULL")) {
                _ = try keyed.decode(String.self, atIndex: 1)
            }
            #expect(try keyed.decodeIfPresent(String.self, atIndex: 1) == nil)
            #expect { _ = try keyed.decodeFlag(atIndex: 3) } throws: { "\($0)".contains("column completed: expected 0 or 1") }
            #expect { _ = try keyed.decodeIfPresent(Double.self, atIndex: 4) } throws: { "\($0)".contains("duration_seconds") && "\($0)".contains("text \"x\"") }
            #expect { _ = try keyed.decode(Int.self, atIndex: 9) } throws: { "\($0)".contains("only 5 columns") }
        }
    }

    /// A foreign client can bind bytes that are not UTF-8 as TEXT, and SQLite keeps them as they
    /// are. `verify` and `rebuild` name the event's seq and column instead of folding a repaired
    /// text that no longer matches its rows (which read as "the duration index holds 0 values"
    /// before), and `rebuild` changes nothing.
    @Test(arguments: [
        ("skill_name", "CAST(X'61FF62' AS TEXT)"),
        ("workflow_path", "CAST(X'70C3' AS TEXT)"),                // a truncated sequence
        ("error_type", "CAST(X'80' AS TEXT)"),                     // a lone continuation byte
        ("session_id", "CAST(X'73EDA080' AS TEXT)"),               // an encoded surrogate
        ("follow_up_actions", #"'["a' || CAST(X'FE' AS TEXT) || '"]'"#),
    ])
    func textThatIsNotUTF8IsNamedAndRebuildChangesNothing(column: String, value: String) throws {
        let database = try TestDatabase()
        try database.store.append(SkillInvocation(
            id: "a", skillName: "s", invokedAt: ts("2026-01-01T00:00:00Z"), workflowPath: "p", completed: true,
            durationSeconds: 0.5, sessionID: "x"))
        var values = [
            "id": "'b'", "skill_name": "'s'", "invoked_at": "'2026-01-01T00:00:01.000000Z'", "completed": "1",
            "duration_seconds": "1.5", "workflow_path": "'p'", "error_type": "'e'", "session_id": "'x'",
            "follow_up_actions": #"'["a"]'"#,
        ]
        values[column] = value
        let names = values.keys.sorted()
        try database.store.writeWithoutTransaction { db in
            try db.execute(sql: "INSERT INTO skill_invocation (\(names.joined(separator: ", "))) VALUES (\(names.map { values[$0] ?? "" }.joined(separator: ", ")))")
        }
        let projections = {
            try database.store.read { db in
                try String.fetchAll(db, sql: """
                    SELECT 'totals ' || hex(skill_name) || ' ' || total_invocations || ' ' || quote(total_duration_seconds) || ' ' || quote(p50_duration_seconds) FROM skill_totals
                    UNION ALL SELECT 'pair ' || hex(session_id) || ' ' || hex(skill_name) || ' ' || invocation_count FROM session_skill
                    UNION ALL SELECT 'key ' || hex(skill_name) || ' ' || field || ' ' || hex(key) || ' ' || count FROM skill_key_count
                    ORDER BY 1
                    """)
            }
        }
        let before = try projections()
        #expect(before.count >= 3)
        let named = { (error: any Error) -> Bool in
            "\(error)".contains("skill_invocation seq 2, column \(column)") && "\(error)".contains("not valid UTF-8")
        }
        #expect(performing: { _ = try database.store.verify() }, throws: named)
        #expect(performing: { _ = try database.store.rebuild() }, throws: named)
        #expect(try projections() == before)
    }

    @Test func aWallClockStepBackNeverGivesANegativeDuration() throws {
        let database = try TestDatabase()
        // The wall clock said one hour later at the start than it will at completion (it was
        // stepped back in between); the duration comes from the monotonic clock.
        let ahead = Timestamp(microsecondsSinceEpoch: Timestamp.now().microsecondsSinceEpoch + 3_600_000_000)
        let handle = InvocationHandle(store: database.store, skillName: "s", workflowPath: nil, sessionID: nil, wallClock: { ahead })
        let event = try handle.complete()
        let duration = try #require(event.durationSeconds)
        #expect(duration >= 0 && duration < 60)
        #expect(event.invokedAt == ahead)
    }

    @Test func negativeDurationsAreRefusedNegativeZeroIsNot() throws {
        let database = try TestDatabase()
        let negative = SkillInvocation(id: "n", skillName: "s", invokedAt: ts("2026-01-01T00:00:00Z"), durationSeconds: -0.25)
        #expect { try database.store.append(negative) } throws: { "\($0)".contains("duration_seconds must not be negative") }
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == 0)
        let zero = SkillInvocation(id: "z", skillName: "s", invokedAt: ts("2026-01-01T00:00:00Z"), durationSeconds: -0.0)
        try database.store.append(zero)
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == 1)
    }

    @Test func aLineOverTheCapIsAnErrorNamingFileAndLine() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("long.jsonl")
        let long = String(repeating: "x", count: 300)
        try "short\n\(long)\nshort\n".write(toFile: path, atomically: true, encoding: .utf8)
        var lines: [Int] = []
        #expect {
            try LineReader(path: path, maximumLineBytes: 100).forEachLine { number, _ in lines.append(number); return true }
        } throws: { "\($0)".contains("\(path):2") && "\($0)".contains("longer than 100 bytes") }
        #expect(lines == [1])
        // Without a final newline, and exactly at the cap.
        try "\(long)".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try LineReader(path: path, maximumLineBytes: 299).forEachLine { _, _ in true } }
        try LineReader(path: path, maximumLineBytes: 300).forEachLine { _, bytes in #expect(bytes.count == 300); return true }
        // A line longer than a read chunk (1 MiB) with no newline stops at the cap, not at EOF.
        let huge = directory.file("huge.jsonl")
        try Data(repeating: 0x61, count: 3 << 20).write(to: URL(fileURLWithPath: huge))
        #expect { try LineReader(path: huge, maximumLineBytes: 1 << 20).forEachLine { _, _ in true } } throws: { "\($0)".contains("\(huge):1") }
    }

    @Test func theDecoderRefusesALineOverTheCap() throws {
        let line = [UInt8](repeating: 0x20, count: InputLimits.maximumLineBytes + 1)
        #expect { _ = try JSONLEventDecoder().decode(line: line) } throws: { "\($0)".contains("limit for one line") }
    }
}
