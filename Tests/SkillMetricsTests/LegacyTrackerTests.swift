import Foundation
import Synchronization
import Testing
@testable import SkillMetrics

@Suite("Dual-write and dual-read trackers")
struct LegacyTrackerTests {
    @Test("dual-write writes the legacy file and the log; import of that file finds the same events")
    func dualWrite() throws {
        let (database, jsonPath, zone, tracker) = try dualWriteFixture(zone: "Europe/Berlin")
        let first = try tracker.trackInvocation(skill: "crackerjack-run", workflowPath: "fast")
        let afterTrack = try LegacyDocument.load(path: jsonPath)
        #expect(afterTrack.invocations.count == 1)
        #expect(afterTrack.lastUpdated == first.invokedAt)
        let second = try tracker.trackInvocation(skill: "code-review")
        let third = try tracker.trackInvocation(skill: "crackerjack-run")
        try tracker.complete(second, completed: false, errorType: "TimeoutError")
        try tracker.complete(first, followUpActions: ["git commit", "git push"])
        #expect(throws: SkillMetricsError.self) { try tracker.complete(first) }
        #expect(tracker.databaseWrites == 2)
        #expect(tracker.databaseFailures == 0)

        let document = try LegacyDocument.load(path: jsonPath)
        #expect(document.dialect == .crackerjack)
        #expect(document.invocations.count == 3)
        #expect(document.invocations[third.position].isPending(in: .crackerjack))
        #expect(document.skills.map(\.key) == ["code-review", "crackerjack-run"])  // first-completed order
        #expect(document.skills[1].followUpActions == OrderedCounts([("git commit", 1), ("git push", 1)]))
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == 2)

        // The final import adds only the pending entry; the two dual-written events are found.
        let report = try DataMigrator(store: database.store).importFile(path: jsonPath, options: .init(timeZone: zone))
        #expect(report.alreadyPresent == 2)
        #expect(report.appended == 1)
        #expect(report.mismatches.isEmpty, "\(report.mismatches)")
        let exported = try LegacyExporter(store: database.store).document()
        #expect(try exported.serialized() == (try String(contentsOfFile: jsonPath, encoding: .utf8)))
    }

    @Test("dual-write keeps two skills whose names differ only in Unicode normalisation apart, as the Python tracker does")
    func dualWriteNormalisationVariants() throws {
        let (database, jsonPath, _, tracker) = try dualWriteFixture(zone: "UTC")
        let (composed, decomposed) = ("caf\u{E9}", "cafe\u{301}")
        try tracker.complete(try tracker.trackInvocation(skill: composed))
        try tracker.complete(try tracker.trackInvocation(skill: decomposed), completed: false)
        try tracker.complete(try tracker.trackInvocation(skill: decomposed))
        let document = try LegacyDocument.load(path: jsonPath)
        #expect(document.skills.map { Array($0.key.utf8) } == [Array(composed.utf8), Array(decomposed.utf8)])
        #expect(document.skills.map(\.totalInvocations) == [1, 2])
        #expect(document.skills.map(\.completedInvocations) == [1, 1])
        let exported = try LegacyExporter(store: database.store).document()
        #expect(Array(try exported.serialized().utf8) == Array(try String(contentsOfFile: jsonPath, encoding: .utf8).utf8))
    }

    @Test("dual-write from many threads loses nothing, in the file or the log")
    func dualWriteConcurrent() throws {
        let (database, jsonPath, zone, tracker) = try dualWriteFixture(zone: "UTC")
        let errors = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 40) { index in
            do {
                let handle = try tracker.trackInvocation(skill: "skill-\(index % 4)", workflowPath: index % 2 == 0 ? "fast" : nil)
                try tracker.complete(handle, completed: index % 5 != 0)
            } catch {
                errors.withLock { $0 += 1 }
            }
        }
        #expect(errors.withLock { $0 } == 0)
        #expect(tracker.databaseWrites == 40)
        let document = try LegacyDocument.load(path: jsonPath)
        #expect(document.invocations.count == 40)
        #expect(document.skills.map(\.totalInvocations).reduce(0, +) == 40)
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == 40)
        let report = try DataMigrator(store: database.store).importFile(path: jsonPath, options: .init(timeZone: zone))
        #expect(report.appended == 0)
        #expect(report.alreadyPresent == 40)
        #expect(report.mismatches.isEmpty, "\(report.mismatches)")
    }

    @Test("export replaces the file atomically, keeps its permissions and leaves no temporary file")
    func atomicExport() throws {
        let database = try TestDatabase()
        _ = try legacyImport(database.store, "basic", zone: "UTC")
        let path = database.directory.file("out.json")
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, 0o600) == 0)
        try LegacyExporter(store: database.store).export(to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let names = try FileManager.default.contentsOfDirectory(atPath: database.directory.path)
        #expect(!names.contains { $0.contains(".tmp-") })
        #expect(FileManager.default.contents(atPath: path) == FileManager.default.contents(atPath: PackagePaths.fixture("legacy/basic.json")))
        #expect(throws: SkillMetricsError.self) {
            try LegacyExporter(store: database.store).export(to: database.directory.file("missing-dir/out.json"))
        }
    }

    @Test("a database failure during dual-write is counted and logged, never thrown; the file keeps the data")
    func dualWriteDatabaseFailure() throws {
        let (database, jsonPath, _, tracker) = try dualWriteFixture(zone: "UTC")
        let handle = try tracker.trackInvocation(skill: "s")
        // An event already holding the id the completion will use, with other content.
        let id = LegacyEventBuilder.eventID(dialect: .crackerjack, invokedAt: handle.invokedAt, position: handle.position, skillName: "s", finished: true)
        try database.store.append(SkillInvocation(id: id, skillName: "other", invokedAt: ts("2026-01-01T00:00:00Z")))
        try tracker.complete(handle)
        #expect(tracker.databaseFailures == 1)
        #expect(tracker.databaseWrites == 0)
        #expect(tracker.lastDatabaseError?.contains(id) == true)
        let document = try LegacyDocument.load(path: jsonPath)
        #expect(document.invocations.first?.completed == true)
        #expect(document.skills.first?.totalInvocations == 1)
    }

    @Test("a malformed legacy file is refused, never reset to empty")
    func dualWriteMalformedFile() throws {
        let database = try TestDatabase()
        let jsonPath = database.directory.file("skill_metrics.json")
        try Data("{\"invocations\": [".utf8).write(to: URL(fileURLWithPath: jsonPath))
        #expect(throws: SkillMetricsError.self) {
            try DualWriteTracker(jsonPath: jsonPath, store: database.store, timeZone: try LegacyTimeZone(identifier: "UTC"))
        }
        #expect(try String(contentsOfFile: jsonPath, encoding: .utf8) == "{\"invocations\": [")
    }

    @Test("dual-read serves the database and reports mismatches through the callback and counters")
    func dualRead() throws {
        let database = try TestDatabase()
        _ = try legacyImport(database.store, "basic", zone: "UTC")
        let jsonPath = PackagePaths.fixture("legacy/basic.json")
        let seen = Mutex<[String]>([])
        let tracker = DualReadTracker(
            store: database.store, jsonPath: jsonPath, timeZone: try LegacyTimeZone(identifier: "UTC"),
            onMismatch: { skill, differences in seen.withLock { $0.append(contentsOf: differences.map { "\(skill).\($0.field)" }) } })
        let row = try #require(try tracker.metrics(for: "crackerjack-run"))
        #expect(row.totalInvocations == 12)
        #expect(tracker.counters == DualReadTracker.Counters(reads: 1, comparisons: 1, mismatches: 0, warnings: 0, failures: 0))

        try database.store.append(SkillInvocation(
            id: "only-in-db", skillName: "crackerjack-run", invokedAt: ts("2026-02-01T00:00:00Z"), durationSeconds: 1.0))
        let updated = try #require(try tracker.metrics(for: "crackerjack-run"))
        #expect(updated.totalInvocations == 13)
        #expect(tracker.counters.mismatches == 1)
        #expect(seen.withLock { $0 }.contains("crackerjack-run.total_invocations"))
    }

    @Test("dual-read counts an unreadable JSON side as a failure and still answers from the database")
    func dualReadUnreadable() throws {
        let database = try TestDatabase()
        _ = try legacyImport(database.store, "basic", zone: "UTC")
        let tracker = DualReadTracker(
            store: database.store, jsonPath: database.directory.file("absent.json"),
            timeZone: try LegacyTimeZone(identifier: "UTC"))
        #expect(try tracker.metrics(for: "session-checkpoint")?.totalInvocations == 2)
        #expect(tracker.counters.failures == 1)
        #expect(tracker.counters.comparisons == 0)
    }
}

/// A dual-write tracker on its own temporary database, writing `skill_metrics.json` next to it.
private func dualWriteFixture(zone identifier: String) throws
    -> (database: TestDatabase, jsonPath: String, zone: LegacyTimeZone, tracker: DualWriteTracker) {
    let database = try TestDatabase()
    let jsonPath = database.directory.file("skill_metrics.json")
    let zone = try LegacyTimeZone(identifier: identifier)
    return (database, jsonPath, zone, try DualWriteTracker(jsonPath: jsonPath, store: database.store, timeZone: zone))
}
