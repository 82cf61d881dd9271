import Foundation
import Testing
@testable import SkillMetrics

/// The direct byte reader of legacy files must give exactly what the tree parser and the
/// path-tracking decoder give, and leave every rejection (and its message) to them.
@Suite("Legacy document reader (bytes straight to a document)")
struct LegacyDocumentReaderTests {
    static let seed: UInt64 = ProcessInfo.processInfo.environment["SKILL_METRICS_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x1E6A_2026

    @Test("every fixture reads to the same document as the tree path, in both dialect modes", arguments: legacyFixtures.map(\.name))
    func fixturesAgree(name: String) throws {
        let bytes = try legacyFixtureBytes(name)
        for dialect in [nil] + LegacyDialect.allCases.map(Optional.some) {
            let tree = try? LegacyDocument.parseTree(bytes, file: name, dialect: dialect)
            let direct = LegacyDocumentReader.read(bytes, dialect: dialect)
            #expect(direct == tree, "\(name), dialect \(dialect?.rawValue ?? "detected")")
            if dialect == nil { #expect(direct != nil, "\(name): the reader should handle a fixture itself") }
        }
    }

    /// Mutated fixtures: whenever the reader returns a document, the tree path returns the same
    /// one; whenever the tree path accepts, the reader either agrees or leaves it to the tree.
    @Test("mutated fixtures: the reader never accepts what the tree path rejects, never differs")
    func mutatedFixturesAgree() throws {
        let documents = try legacyFixtures.map { try legacyFixtureBytes($0.name) }.filter { $0.count <= 100_000 }
        var mutator = FuzzMutator(random: FuzzGenerator(seed: Self.seed))
        var accepted = 0
        for iteration in 0..<1_500 {
            var (kind, bytes) = mutator.mutate(documents[iteration % documents.count])
            if mutator.chance(30) { bytes = mutator.mutate(bytes).bytes }
            let tree = try? LegacyDocument.parseTree(bytes, file: "fuzz.json")
            let direct = LegacyDocumentReader.read(bytes, dialect: nil)
            if let direct {
                accepted += 1
                #expect(direct == tree, "seed \(Self.seed), iteration \(iteration) (\(kind)): reader and tree differ")
            }
        }
        #expect(accepted > 0, "seed \(Self.seed): no mutated document was valid")
    }

    @Test("a valid file the reader leaves to the tree path (escaped key) still parses the same")
    func escapedKeyFallsBack() throws {
        let text = String(decoding: try legacyFixtureBytes("basic"), as: UTF8.self)
        let escaped = text.replacingOccurrences(of: "\"last_updated\"", with: "\"last\\u005fupdated\"")
        #expect(escaped != text)
        #expect(LegacyDocumentReader.read(Array(escaped.utf8), dialect: nil) == nil)
        let document = try LegacyDocument.parse(Array(escaped.utf8), file: "escaped.json")
        #expect(document == (try LegacyDocument.parse(Array(text.utf8), file: "basic.json")))
    }

    @Test("errors still name the line and column or the JSON path", arguments: [
        ("{\"invocations\": [], \"skills\": {}, \"last_updated\": null", "line 1, column 55", "truncated"),
        ("{\"invocations\": [{\"skill_name\": 1}], \"skills\": {}, \"last_updated\": null}", "invocations[0]", "missing key \"invoked_at\""),
        ("{\"invocations\": [], \"skills\": {}, \"last_updated\": null, \"skills\": {}}", "line 1, column 57", "duplicate key"),
        ("{\"invocations\": [], \"skills\": {}, \"last_updated\": 5}", "last_updated", "string or null"),
    ])
    func errorsUnchanged(text: String, location: String, fragment: String) {
        #expect {
            try LegacyDocument.parse(Array(text.utf8), file: "bad.json")
        } throws: { error in
            let message = (error as? SkillMetricsError)?.description ?? ""
            return message.contains("bad.json") && message.contains(location) && message.contains(fragment)
        }
    }

    @Test("the parser still refuses a duplicate key in a large object (past its linear check)")
    func duplicateKeyInLargeObject() {
        let members = (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect {
            try JSONParser().parse("{" + members + ",\"k2\":0}")
        } throws: { error in
            guard let failure = error as? JSONParser.Failure else { return false }
            return failure.line == 1 && failure.column == 162 && failure.message.contains("duplicate key \"k2\"")
        }
        #expect((try? JSONParser().parse("{" + members + ",\"k20\":0}")) != nil)
    }

    /// The text-only decision of "this literal is Python's repr" against the formatter itself.
    @Test("duration literals: the shape check agrees with PythonFloatFormatter on random and edge literals")
    func reprShapeAgrees() throws {
        var random = FuzzGenerator(seed: Self.seed ^ 0xD0)
        var literals = [
            "0.0", "-0.0", "0.00", "1.0", "1.50", "2.5", "100.0", "1e-05", "0.0001", "0.00001", "0.00012",
            "123456789012345.0", "1234567890123456.0", "12345678901234567.0", "0.1", "0.30000000000000004",
            "9999999999999999.0", "1.2345678901234567", "123.456", "1.5e3", "10", "-3.25", "0.001",
        ]
        for _ in 0..<4_000 {
            let value: Double
            switch random.next() % 4 {
            case 0: value = Double(random.next() % 10_000_000) / 1000
            case 1: value = Double(bitPattern: random.next() >> 2)
            case 2: value = Double(random.next() % 1_000_000) / 1_000_000_000
            default: value = (Double(random.next() % 100_000) / 7).rounded() / 1000
            }
            guard value.isFinite else { continue }
            let repr = PythonFloatFormatter.repr(value)
            literals.append(repr)
            literals.append(repr + "0")
            literals.append(String(format: "%.17g", value))
        }
        for literal in literals {
            guard case .number(let number) = try JSONParser().parse(literal) else { continue }
            let expected = PythonFloatFormatter.repr(number.doubleValue) == number.literal
            #expect(LegacyDocumentReader.isPythonRepr(number) == expected, "seed \(Self.seed): \(literal)")
        }
    }
}
