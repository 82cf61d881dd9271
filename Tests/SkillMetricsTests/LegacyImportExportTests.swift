import Foundation
import Testing
@testable import SkillMetrics

/// The fixtures and the zone each must be imported with.
let legacyFixtures: [(name: String, zone: String)] = [
    ("basic", "UTC"), ("overlap", "UTC"), ("hostile", "UTC"), ("dst", "Europe/Berlin"),
    ("large", "UTC"), ("ties-overlap", "UTC"), ("session-buddy", "UTC"),
]

func legacyFixtureBytes(_ name: String) throws -> [UInt8] {
    let path = PackagePaths.fixture("legacy/\(name).json")
    return Array(try #require(FileManager.default.contents(atPath: path)))
}

func legacyImport(_ store: SkillMetricsStore, _ name: String, zone: String, dryRun: Bool = false) throws -> LegacyImportReport {
    try DataMigrator(store: store).importFile(
        path: PackagePaths.fixture("legacy/\(name).json"),
        options: DataMigrator.Options(timeZone: try LegacyTimeZone(identifier: zone), dryRun: dryRun))
}

@Suite("Legacy import and byte-exact export")
struct LegacyImportExportTests {
    @Test("import then export gives the fixture back byte for byte", arguments: legacyFixtures.map(\.name))
    func roundTrip(name: String) throws {
        let zone = try #require(legacyFixtures.first { $0.name == name }).zone
        let database = try TestDatabase()
        let report = try legacyImport(database.store, name, zone: zone)
        let original = try legacyFixtureBytes(name)
        let document = try LegacyDocument.parse(original, file: name)
        #expect(report.invocations == document.invocations.count)
        #expect(report.appended == document.invocations.count)
        #expect(report.mismatches.isEmpty, "\(report.mismatches)")
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == document.invocations.count)
        #expect(try database.store.verify().isConsistent)

        let output = database.directory.file("export.json")
        let result = try LegacyExporter(store: database.store).export(to: output)
        let exported = Array(try #require(FileManager.default.contents(atPath: output)))
        #expect(exported == original, "export of \(name) differs from the fixture")
        #expect(result.bytes == original.count)
        #expect(try database.store.legacyDifferences(document, zone: try LegacyTimeZone(identifier: zone)).filter { $0.severity == .mismatch }.isEmpty)
    }

    @Test("a negative duration in a legacy file is kept (the legacy tracker counted it) and exported as written")
    func negativeLegacyDuration() throws {
        let database = try TestDatabase()
        let text = String(decoding: try legacyFixtureBytes("basic"), as: UTF8.self)
        let edited = text.replacingOccurrences(of: "\"duration_seconds\": 1.5,", with: "\"duration_seconds\": -1.5,")
        #expect(edited != text)
        let input = database.directory.file("negative.json")
        try edited.write(toFile: input, atomically: true, encoding: .utf8)
        let document = try LegacyDocument.parse(Array(edited.utf8), file: input)
        let report = try DataMigrator(store: database.store).importFile(
            path: input, options: DataMigrator.Options(timeZone: try LegacyTimeZone(identifier: "UTC")))
        #expect(report.appended == document.invocations.count)
        #expect(try database.store.verify().isConsistent)
        let stored = try database.store.read { db in
            try Double.fetchAll(db, sql: "SELECT duration_seconds FROM skill_invocation WHERE duration_seconds < 0")
        }
        #expect(stored == [-1.5])
        let output = database.directory.file("export.json")
        try LegacyExporter(store: database.store).export(to: output)
        let exported = try String(contentsOfFile: output, encoding: .utf8)
        #expect(exported.contains("\"duration_seconds\": -1.5,"))
    }

    @Test("pending crackerjack entries are unfinished events, never projected")
    func pendingEntries() throws {
        let database = try TestDatabase()
        let report = try legacyImport(database.store, "overlap", zone: "UTC")
        let document = try LegacyDocument.parse(try legacyFixtureBytes("overlap"), file: "overlap")
        let pending = document.invocations.filter { $0.isPending(in: .crackerjack) }.count
        #expect(pending == 23)
        #expect(report.pending == pending)
        let unfinished = try database.store.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation WHERE finished = 0")
        }
        #expect(unfinished == pending)
        let total = try SkillMetricsQueries(store: database.store).allMetrics().map(\.totalInvocations).reduce(0, +)
        #expect(total == document.invocations.count - pending)
    }

    @Test("session-buddy: every invocation counts, abandoned ones too, and session ids are kept")
    func sessionBuddy() throws {
        let database = try TestDatabase()
        let report = try legacyImport(database.store, "session-buddy", zone: "UTC")
        #expect(report.dialect == .sessionBuddy)
        #expect(report.pending == 0)
        let rows = try SkillMetricsQueries(store: database.store).allMetrics()
        #expect(rows.map(\.totalInvocations).reduce(0, +) == 300)
        #expect(rows.map(\.abandonedInvocations).reduce(0, +) == 92)
        #expect(try SkillMetricsQueries(store: database.store).sessionSkills().count == 24)
    }

    @Test("re-importing the same file appends nothing")
    func reimport() throws {
        let database = try TestDatabase()
        _ = try legacyImport(database.store, "basic", zone: "UTC")
        let count = try SkillMetricsQueries(store: database.store).eventCount()
        let second = try legacyImport(database.store, "basic", zone: "UTC")
        #expect(second.appended == 0)
        #expect(second.alreadyPresent == count)
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == count)
    }

    @Test("a later version of a file adds exactly the new invocations; pending ones that completed are superseded on export")
    func laterVersion() throws {
        let full = try LegacyDocument.parse(try legacyFixtureBytes("overlap"), file: "overlap")
        let earlier = earlierVersion(of: full, completions: 100)
        let zone = try LegacyTimeZone(identifier: "UTC")
        let database = try TestDatabase()
        let migrator = DataMigrator(store: database.store)
        let first = try migrator.importDocument(earlier, source: "earlier", options: .init(timeZone: zone))
        #expect(first.mismatches.isEmpty, "\(first.mismatches)")
        #expect(try LegacyExporter(store: database.store).document().serialized() == earlier.serialized())

        let unchanged = zip(earlier.invocations, full.invocations).filter { $0 == $1 }.count
        let second = try migrator.importDocument(full, source: "full", options: .init(timeZone: zone))
        #expect(second.alreadyPresent == unchanged)
        #expect(second.appended == full.invocations.count - unchanged)
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == earlier.invocations.count + second.appended)
        #expect(second.mismatches.isEmpty, "\(second.mismatches)")
        let exported = try LegacyExporter(store: database.store).document().serialized()
        #expect(Array(exported.utf8) == (try legacyFixtureBytes("overlap")))
    }

    @Test("a dry run writes nothing but still reports")
    func dryRun() throws {
        let database = try TestDatabase()
        let report = try legacyImport(database.store, "basic", zone: "UTC", dryRun: true)
        #expect(report.dryRun)
        #expect(report.appended == 14)
        #expect(report.mismatches.isEmpty)
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == 0)
        #expect(try database.store.latestLegacyImport() == nil)
    }

    @Test("event ids are deterministic and distinct for a pending entry and its completion")
    func eventIDs() {
        let a = LegacyEventBuilder.eventID(dialect: .crackerjack, invokedAt: "2026-01-12T09:00:00", position: 3, skillName: "x", finished: true)
        let b = LegacyEventBuilder.eventID(dialect: .crackerjack, invokedAt: "2026-01-12T09:00:00", position: 3, skillName: "x", finished: true)
        let pending = LegacyEventBuilder.eventID(dialect: .crackerjack, invokedAt: "2026-01-12T09:00:00", position: 3, skillName: "x", finished: false)
        #expect(a == b)
        #expect(a != pending)
        #expect(a.count == 36)
        #expect(Array(a)[14] == "8")
    }

    @Test("export after appending new events writes them in local time and refolds skills")
    func exportWithNewEvents() throws {
        let database = try TestDatabase()
        _ = try legacyImport(database.store, "dst", zone: "Europe/Berlin")
        try database.store.append(SkillInvocation(
            id: "new-1", skillName: "brand-new", invokedAt: ts("2026-07-01T10:00:00Z"),
            workflowPath: "fast", completed: true, durationSeconds: 2.5))
        let document = try LegacyExporter(store: database.store).document()
        let last = try #require(document.invocations.last)
        #expect(last.skillName == "brand-new")
        #expect(last.invokedAt == "2026-07-01T12:00:00")  // CEST, Python isoformat (no fraction)
        #expect(document.lastUpdated == "2026-07-01T12:00:02.500000")
        let skill = try #require(document.skills.last)
        #expect(skill.key == "brand-new")
        #expect(skill.firstInvoked == "2026-07-01T12:00:00")
        #expect(skill.totalDurationSeconds == 2.5)
    }

    /// The file the legacy tracker had written after its first `completions` completions:
    /// later entries absent, entries completed later still pending, skills folded so far.
    func earlierVersion(of document: LegacyDocument, completions: Int) -> LegacyDocument {
        let order = CompletionOrder(document)
        let finishedOrder = order.positions.filter { !document.invocations[$0].isPending(in: .crackerjack) }
        let done = Set(finishedOrder.prefix(completions))
        let cutoffPosition = finishedOrder[completions - 1]
        let cutoff = document.invocations[cutoffPosition]
        let cutoffEnd = (LocalDateTime.parse(cutoff.invokedAt)?.microsecondsAsUTC ?? 0)
            + Int64(((cutoff.durationSeconds ?? 0) * 1_000_000).rounded())
        var earlier = LegacyDocument(dialect: .crackerjack)
        for (position, invocation) in document.invocations.enumerated() {
            guard let start = LocalDateTime.parse(invocation.invokedAt)?.microsecondsAsUTC, start <= cutoffEnd else { break }
            if done.contains(position) {
                earlier.invocations.append(invocation)
            } else {
                earlier.invocations.append(LegacyInvocation(
                    skillName: invocation.skillName, invokedAt: invocation.invokedAt,
                    workflowPath: invocation.workflowPath, completed: false, durationSeconds: nil))
            }
        }
        for position in finishedOrder.prefix(completions) {
            let invocation = document.invocations[position]
            if let index = earlier.skills.firstIndex(where: { $0.key == invocation.skillName }) {
                earlier.skills[index].fold(invocation)
            } else {
                var skill = LegacySkill(newSkill: invocation.skillName)
                skill.fold(invocation)
                earlier.skills.append(skill)
            }
        }
        earlier.lastUpdated = LocalDateTime(utcMicroseconds: cutoffEnd).pythonISOFormat
        return earlier
    }
}
