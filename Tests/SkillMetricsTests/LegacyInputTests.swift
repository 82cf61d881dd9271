import Foundation
import Testing
@testable import SkillMetrics

@Suite("Legacy input checks, time zones, floats, ties")
struct LegacyInputTests {
    static let basicText: String = {
        let data = FileManager.default.contents(atPath: PackagePaths.fixture("legacy/basic.json")) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }()

    /// Malformed variants of basic.json and what the error must name.
    static let malformed: [(label: String, text: String, mentions: [String])] = [
        ("truncated", String(basicText.prefix(700)), ["line", "truncated"]),
        ("wrong type", basicText.replacingOccurrences(of: "\"duration_seconds\": 1.75", with: "\"duration_seconds\": \"1.75\""),
         ["invocations[1].duration_seconds", "number or null"]),
        ("NaN", basicText.replacingOccurrences(of: "\"duration_seconds\": 1.75", with: "\"duration_seconds\": NaN"), ["line 17", "NaN"]),
        ("Infinity", basicText.replacingOccurrences(of: "\"duration_seconds\": 1.75", with: "\"duration_seconds\": Infinity"), ["line 17", "Infinity"]),
        ("missing key", basicText.replacingOccurrences(of: "\"completed\": true,\n      \"duration_seconds\": 1.75,", with: "\"duration_seconds\": 1.75,"),
         ["invocations[1]", "missing key \"completed\""]),
        ("empty", "", ["empty"]),
        ("unknown key", basicText.replacingOccurrences(of: "\"error_type\": \"TimeoutError\"\n", with: "\"error_type\": \"TimeoutError\",\n      \"retries\": 2\n"),
         ["invocations[3]", "unexpected key \"retries\""]),
        ("not JSON", "skill_metrics: yes\n", ["line 1, column 1", "not valid JSON"]),
        ("bad timestamp", basicText.replacingOccurrences(of: "2026-01-12T09:00:02.500000", with: "yesterday"),
         ["invocations[1].invoked_at"]),
        ("skills wrong type", basicText.replacingOccurrences(of: "\"total_invocations\": 12", with: "\"total_invocations\": 12.5"),
         ["skills[\"crackerjack-run\"].total_invocations"]),
    ]

    @Test("malformed input is rejected with its location and the database is unchanged", arguments: malformed.map(\.label))
    func malformedInput(label: String) throws {
        let entry = try #require(Self.malformed.first { $0.label == label })
        #expect(entry.text != Self.basicText)
        let database = try TestDatabase()
        _ = try legacyImport(database.store, "overlap", zone: "UTC")
        let before = try SkillMetricsQueries(store: database.store).allMetrics()
        let count = try SkillMetricsQueries(store: database.store).eventCount()
        let path = database.directory.file("bad.json")
        try Data(entry.text.utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: SkillMetricsError.self) {
            try DataMigrator(store: database.store).importFile(path: path, options: .init(timeZone: try LegacyTimeZone(identifier: "UTC")))
        }
        let message = error?.description ?? ""
        #expect(message.contains(path), "\(message)")
        for fragment in entry.mentions {
            #expect(message.contains(fragment), "\(message) should mention \(fragment)")
        }
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == count)
        #expect(try SkillMetricsQueries(store: database.store).allMetrics() == before)
    }

    @Test("a missing file is a file error naming the path")
    func missingFile() throws {
        let database = try TestDatabase()
        let path = database.directory.file("absent.json")
        let error = #expect(throws: SkillMetricsError.self) {
            try DataMigrator(store: database.store).importFile(path: path, options: .init(timeZone: try LegacyTimeZone(identifier: "UTC")))
        }
        #expect(error == .fileAccess(path: path, reason: "no such file"))
    }

    @Test("an unknown time zone is an input error")
    func unknownZone() {
        #expect(throws: SkillMetricsError.self) { try LegacyTimeZone(identifier: "Mars/Olympus") }
    }

    @Test("DST gap and overlap follow Python's fold=0 and local(from:) inverts utc(from:)")
    func dstConversion() throws {
        let berlin = try LegacyTimeZone(identifier: "Europe/Berlin")
        func utc(_ text: String) throws -> String { berlin.utc(from: try #require(LocalDateTime.parse(text))).canonical }
        #expect(try utc("2026-01-12T09:00:00") == "2026-01-12T08:00:00.000000Z")
        #expect(try utc("2026-07-01T12:00:00.5") == "2026-07-01T10:00:00.500000Z")
        #expect(try utc("2026-03-29T02:30:00") == "2026-03-29T01:30:00.000000Z")  // gap: offset before
        #expect(try utc("2026-10-25T02:30:00") == "2026-10-25T00:30:00.000000Z")  // overlap: first occurrence
        #expect(berlin.local(from: ts("2026-10-25T01:30:00Z")).pythonISOFormat == "2026-10-25T02:30:00")
        #expect(berlin.local(from: ts("2026-10-25T00:30:00.000001Z")).pythonISOFormat == "2026-10-25T02:30:00.000001")
    }

    @Test("PythonFloatFormatter.repr writes every float literal of the fixtures as Python did", arguments: legacyFixtures.map(\.name))
    func floatsInFixtures(name: String) throws {
        let root = try JSONParser().parse(try legacyFixtureBytes(name))
        var checked = 0
        var wrong: [String] = []
        func walk(_ value: JSONValue) {
            switch value {
            case .number(let number) where !number.isIntegerLiteral:
                checked += 1
                if PythonFloatFormatter.repr(number.doubleValue) != number.literal { wrong.append(number.literal) }
            case .array(let elements): elements.forEach(walk)
            case .object(let object): object.members.forEach { walk($0.value) }
            default: break
            }
        }
        walk(root)
        #expect(checked > 0)
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }

    @Test("ambiguous completion order gives warnings, not mismatches")
    func tiesAreWarnings() throws {
        // Two completions of one skill at the same instant, folded by the tracker in the
        // opposite of list order: only the order-dependent fields differ.
        let a = LegacyInvocation(skillName: "s", invokedAt: "2026-01-12T09:00:00", workflowPath: "p1",
                                 completed: true, durationSeconds: 2.0, followUpActions: ["x"])
        let b = LegacyInvocation(skillName: "s", invokedAt: "2026-01-12T09:00:01", workflowPath: "p2",
                                 completed: true, durationSeconds: 1.0, followUpActions: ["y"])
        var skill = LegacySkill(newSkill: "s")
        skill.fold(b)
        skill.fold(a)
        let document = LegacyDocument(dialect: .crackerjack, invocations: [a, b], skills: [skill], lastUpdated: "2026-01-12T09:00:02")
        #expect(CompletionOrder(document).ties == [[0, 1]])
        let database = try TestDatabase()
        let report = try DataMigrator(store: database.store).importDocument(
            document, source: "ties", options: .init(timeZone: try LegacyTimeZone(identifier: "UTC")))
        #expect(report.appended == 2)
        #expect(report.mismatches.isEmpty)
        let fields = Set(report.warnings.map(\.field))
        #expect(fields.contains("workflow_paths (key order)"))
        #expect(fields.contains("first_invoked"))
    }

    @Test("a hand-edited aggregate is a mismatch with the float distance in ULPs")
    func floatMismatch() throws {
        let text = Self.basicText.replacingOccurrences(of: "\"total_duration_seconds\": 24.75", with: "\"total_duration_seconds\": 24.750000000000004")
        #expect(text != Self.basicText)
        let document = try LegacyDocument.parse(Array(text.utf8), file: "edited")
        let database = try TestDatabase()
        let report = try DataMigrator(store: database.store).importDocument(
            document, source: "edited", options: .init(timeZone: try LegacyTimeZone(identifier: "UTC")))
        let difference = try #require(report.mismatches.first { $0.field == "total_duration_seconds" })
        #expect(difference.ulps == 1)
        #expect(difference.skill == "crackerjack-run")
    }
}
