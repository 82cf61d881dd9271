import Foundation
import Testing
@testable import SkillMetrics

/// `"café"` written precomposed (U+00E9) and decomposed (`e` + U+0301) are two keys to SQLite
/// and to the legacy tracker's Python dicts, though Swift's `==` calls them equal. Paths and
/// error texts from macOS (NFD) and Linux (NFC) machines meet in one log, so every reader must
/// keep them apart.
@Suite("Canonically equivalent keys stay two keys")
struct CanonicalEquivalenceTests {
    static let composed = "caf\u{E9}"
    static let decomposed = "cafe\u{301}"

    /// A candidate projection column and the entries ``OrderedCounts/init(json:)`` must give
    /// (nil: malformed). The compact ones take the byte reader, the others ``JSONParser``.
    static let countTexts: [(text: String, entries: [(String, Int)]?)] = [
        ("{}", []),
        ("{\"a\":1}", [("a", 1)]),
        ("{\"b\":2,\"a\":10,\"c\":0}", [("b", 2), ("a", 10), ("c", 0)]),
        ("{\"\(composed)\":1,\"\(decomposed)\":2}", [(composed, 1), (decomposed, 2)]),
        ("{\"caf\\u00e9\":1,\"cafe\\u0301\":2}", [(composed, 1), (decomposed, 2)]),
        ("{ \"\(decomposed)\" : 3 , \"\(composed)\" : 4 }", [(decomposed, 3), (composed, 4)]),
        ("{\"\":5}", [("", 5)]),
        ("{\"a\\\"b\":1}", [("a\"b", 1)]),
        ("{\"x\":999999999999999999}", [("x", 999_999_999_999_999_999)]),
        ("{\"x\":9223372036854775807}", [("x", Int.max)]),
        ("{\"x\":-3}", [("x", -3)]),
        ("{\"x\":9223372036854775808}", nil),
        ("{\"x\":1.0}", nil),
        ("{\"x\":1e2}", nil),
        ("{\"x\":01}", nil),
        ("{\"x\":\"1\"}", nil),
        ("{\"x\":}", nil),
        ("{\"a\":1,\"a\":2}", nil),
        ("{\"\(composed)\":1,\"\(composed)\":2}", nil),
        ("{\"a\":1,}", nil),
        ("{\"a\":1}x", nil),
        ("{\"a\":1", nil),
        ("{\"a\u{1}\":1}", nil),
        ("[]", nil),
        ("", nil),
        ("{", nil),
    ]

    @Test("a stored count object is read key for key, by bytes", arguments: countTexts.indices)
    func countObjects(index: Int) {
        let (text, expected) = Self.countTexts[index]
        let counts = OrderedCounts(json: text)
        guard let expected else {
            #expect(counts == nil, "\(text) was accepted")
            return
        }
        guard let counts else {
            Issue.record("\(text) was refused")
            return
        }
        #expect(counts.entries.map { Array($0.key.utf8) } == expected.map { Array($0.0.utf8) }, "\(text)")
        #expect(counts.entries.map(\.count) == expected.map(\.1), "\(text)")
    }

    @Test("the byte reader of count objects agrees with JSONParser on 20,000 generated texts (seeded)")
    func compactReaderAgreesWithTheParser() {
        // Count objects built member by member from keys and values, well formed and not,
        // a third of them then mutated at one place.
        let keys = ["k", "a", "\u{E9}", "e\u{301}", "", "x\\\"y", "\u{1}", "k", "a b"]
        let values = ["0", "1", "12", "007", "-3", "1.5", "2e3", "99999999999999999999", "9223372036854775807", " 4", "\"1\"", "null"]
        let pieces = ["{", "}", "\"", ":", ",", "0", " ", "\\", "\u{E9}"]
        var generator = SeededRandom()
        var accepted = 0
        for _ in 0..<20_000 {
            var members: [String] = []
            for _ in 0..<Int.random(in: 0..<5, using: &generator) {
                let key = keys[Int.random(in: 0..<keys.count, using: &generator)]
                let value = values[Int.random(in: 0..<(Bool.random(using: &generator) ? 3 : values.count), using: &generator)]
                members.append("\"\(key)\":\(value)")
            }
            var text = "{" + members.joined(separator: ",") + "}"
            if Int.random(in: 0..<3, using: &generator) == 0 {
                var characters = Array(text)
                let at = Int.random(in: 0...characters.count, using: &generator)
                if Bool.random(using: &generator), at < characters.count {
                    characters.remove(at: at)
                } else {
                    characters.insert(contentsOf: pieces[Int.random(in: 0..<pieces.count, using: &generator)], at: at)
                }
                text = String(characters)
            }
            let counts = OrderedCounts(json: text)
            // The reference: JSONParser's object, every value an integer that fits.
            var expected: [(key: String, count: Int)]?
            if case .object(let object)? = try? JSONParser().parse(text) {
                expected = []
                for member in object.members {
                    guard case .number(let number) = member.value, let count = number.intValue else { expected = nil; break }
                    expected?.append((member.key, count))
                }
            }
            #expect((counts == nil) == (expected == nil), "\(JSONWriter.quoted(text)), \(generator)")
            if let counts, let expected, !expected.isEmpty {
                accepted += 1
                #expect(counts.entries.map { Array($0.key.utf8) } == expected.map { Array($0.key.utf8) }, "\(JSONWriter.quoted(text)), \(generator)")
                #expect(counts.entries.map(\.count) == expected.map(\.count), "\(JSONWriter.quoted(text)), \(generator)")
            }
        }
        #expect(accepted > 1_000, "\(generator)")
    }

    @Test("JSONParser refuses a repeated key only when its bytes repeat")
    func parserDuplicates() throws {
        let value = try JSONParser().parse("{\"\(Self.composed)\":1,\"\(Self.decomposed)\":2}")
        guard case .object(let object) = value else {
            Issue.record("not an object")
            return
        }
        #expect(object.members.map { Array($0.key.utf8) } == [Array(Self.composed.utf8), Array(Self.decomposed.utf8)])
        // More than 16 members: the parser's set of keys, not its linear scan.
        let many = (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(throws: JSONParser.Failure.self) { try JSONParser().parse("{\(many),\"k3\":1}") }
        guard case .object(let large) = try JSONParser().parse("{\(many),\"\(Self.composed)\":1,\"\(Self.decomposed)\":2}") else {
            Issue.record("not an object")
            return
        }
        #expect(large.members.count == 22)
    }

    @Test("show, list and summary read a log whose paths, errors, actions and skills differ only in normalisation")
    func queries() throws {
        let database = try TestDatabase()
        let (c, d) = (Self.composed, Self.decomposed)
        let start = ts("2026-01-12T09:00:00.000000Z")
        try database.store.append([
            SkillInvocation(id: "1", skillName: "s", invokedAt: start, workflowPath: c, completed: false,
                            errorType: d, followUpActions: [c, d]),
            SkillInvocation(id: "2", skillName: "s", invokedAt: start, workflowPath: d, completed: false,
                            errorType: c, followUpActions: [d]),
            SkillInvocation(id: "3", skillName: "s", invokedAt: start, workflowPath: d, completed: true, durationSeconds: 1),
            SkillInvocation(id: "4", skillName: c, invokedAt: start, completed: true, durationSeconds: 2),
            SkillInvocation(id: "5", skillName: d, invokedAt: start, completed: true, durationSeconds: 4),
            SkillInvocation(id: "6", skillName: d, invokedAt: start, completed: false),
        ])
        let queries = SkillMetricsQueries(store: database.store)
        let row = try #require(try queries.metrics(for: "s"))
        func bytes(_ counts: OrderedCounts) -> [[UInt8]] { counts.entries.map { Array($0.key.utf8) } }
        #expect(bytes(row.workflowPaths) == [Array(c.utf8), Array(d.utf8)])
        #expect(row.workflowPaths.entries.map(\.count) == [1, 2])
        #expect(bytes(row.commonErrors) == [Array(d.utf8), Array(c.utf8)])
        #expect(bytes(row.followUpActions) == [Array(c.utf8), Array(d.utf8)])
        #expect(row.followUpActions.entries.map(\.count) == [1, 2])

        let composedRow = try #require(try queries.metrics(for: c))
        let decomposedRow = try #require(try queries.metrics(for: d))
        #expect((composedRow.totalInvocations, composedRow.avgDurationSeconds) == (1, 2.0))
        #expect((decomposedRow.totalInvocations, decomposedRow.avgDurationSeconds) == (2, 4.0))
        #expect(try queries.allMetrics().map { Array($0.skillName.utf8) }
                == [Array("s".utf8), Array(d.utf8), Array(c.utf8)])
        let summary = try queries.summary()
        #expect(summary.totalSkills == 3)
        #expect(summary.totalInvocations == 6)
        #expect(try database.store.verify().isConsistent)

        // The legacy report names each skill with its own numbers.
        let report = try LegacyReportRenderer(store: database.store).render()
        #expect(report.contains("  \(d): 2 invocations (50.0% complete, 4.0s avg)"), "\(report)")
        #expect(report.contains("  \(c): 1 invocations (100.0% complete, 2.0s avg)"), "\(report)")
        // So does the HTML report: each name once, neither standing in for the other.
        let page = try HTMLReportRenderer(store: database.store).render(generatedAt: start)
        for name in [c, d] {
            #expect(page.utf8.split(separator: UInt8(ascii: ">")).contains { Array($0).starts(with: Array((name + "<").utf8)) },
                    "no cell holds exactly \(name)")
        }
    }

    @Test("a legacy file with such keys and skill names imports, validates exactly and exports byte for byte")
    func legacyRoundTrip() throws {
        let database = try TestDatabase()
        let (c, d) = (Self.composed, Self.decomposed)
        let source = try TestDatabase()
        let start = ts("2026-01-12T09:00:00.000000Z")
        try source.store.append([
            SkillInvocation(id: "1", skillName: "s", invokedAt: start, workflowPath: c, completed: false,
                            durationSeconds: 1, errorType: d, followUpActions: [c, d]),
            SkillInvocation(id: "2", skillName: "s", invokedAt: ts("2026-01-12T09:00:01.000000Z"), workflowPath: d,
                            completed: true, durationSeconds: 2, followUpActions: [d]),
            SkillInvocation(id: "3", skillName: c, invokedAt: ts("2026-01-12T09:00:02.000000Z"), completed: true, durationSeconds: 2),
            SkillInvocation(id: "4", skillName: d, invokedAt: ts("2026-01-12T09:00:03.000000Z"), completed: true, durationSeconds: 4),
            SkillInvocation(id: "5", skillName: d, invokedAt: ts("2026-01-12T09:00:08.000000Z"), completed: false, durationSeconds: 1),
        ])
        let file = database.directory.file("legacy.json")
        _ = try LegacyExporter(store: source.store).export(
            to: file, options: LegacyExporter.Options(timeZone: try LegacyTimeZone(identifier: "UTC")))
        let written = Array(try #require(FileManager.default.contents(atPath: file)))
        let document = try LegacyDocument.parse(written, file: "legacy.json")
        #expect(document.skills.map { Array($0.key.utf8) } == [Array("s".utf8), Array(c.utf8), Array(d.utf8)])

        let report = try DataMigrator(store: database.store).importFile(
            path: file, options: DataMigrator.Options(timeZone: try LegacyTimeZone(identifier: "UTC")))
        #expect(report.appended == 5)
        #expect(report.mismatches.isEmpty, "\(report.mismatches)")
        #expect(try database.store.verify().isConsistent)
        let again = database.directory.file("again.json")
        _ = try LegacyExporter(store: database.store).export(
            to: again, options: LegacyExporter.Options(timeZone: try LegacyTimeZone(identifier: "UTC")))
        #expect(Array(try #require(FileManager.default.contents(atPath: again))) == written)
    }

    @Test("an id appended again with a text that differs only in normalisation is a conflict naming the field",
          arguments: ["skill_name", "workflow_path", "error_type", "session_id", "follow_up_actions", "user_context"])
    func conflicts(field: String) throws {
        let database = try TestDatabase()
        let (c, d) = (Self.composed, Self.decomposed)
        func event(_ text: String) throws -> SkillInvocation {
            let context = try JSONParser().parse("{\"note\":\"\(field == "user_context" ? text : "x")\"}")
            guard case .object(let object) = context else { throw SkillMetricsError.invalidInput(location: "test", reason: "context") }
            return SkillInvocation(
                id: "e-1", skillName: field == "skill_name" ? text : "s", invokedAt: ts("2026-01-12T09:00:00.000000Z"),
                workflowPath: field == "workflow_path" ? text : nil, completed: field != "error_type",
                errorType: field == "error_type" ? text : nil, sessionID: field == "session_id" ? text : nil,
                followUpActions: field == "follow_up_actions" ? ["a", text] : [], userContext: object)
        }
        _ = try database.store.append(try event(c))
        // The same bytes again: already present, nothing written.
        _ = try database.store.append(try event(c))
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == 1)
        do {
            _ = try database.store.append(try event(d))
            Issue.record("the decomposed variant was taken for the stored event")
        } catch SkillMetricsError.conflictingEvent(let id, let fields) {
            #expect(id == "e-1")
            #expect(fields == [field])
        }
        #expect(try SkillMetricsQueries(store: database.store).eventCount() == 1)
        #expect(try database.store.verify().isConsistent)
    }
}
