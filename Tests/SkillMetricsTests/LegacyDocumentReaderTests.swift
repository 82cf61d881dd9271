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

    /// The reader over `bytes` written to a file, a window of `lookahead` / `chunk` bytes at a time.
    static func windowed(_ bytes: [UInt8], lookahead: Int, chunk: Int, dialect: LegacyDialect? = nil) throws -> LegacyDocument? {
        let directory = TemporaryDirectory()
        let path = directory.file("legacy.json")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let descriptor = open(path, O_RDONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        return LegacyDocumentReader.read(descriptor: descriptor, dialect: dialect, lookahead: lookahead, chunk: chunk)
    }

    /// Windows far smaller than the file (the 5 MB fixture in chunks of 1,000 bytes): the input is
    /// replaced thousands of times between two values and the document is still the tree's.
    @Test("read from a file a window at a time: every fixture gives the tree's document", arguments: legacyFixtures.map(\.name))
    func windowsAgree(name: String) throws {
        let bytes = try legacyFixtureBytes(name)
        let tree = try LegacyDocument.parseTree(bytes, file: name)
        for (lookahead, chunk) in [(4_096, 1_000), (65_536, 7), (1 << 20, 1 << 22)] {
            let windowed = try Self.windowed(bytes, lookahead: lookahead, chunk: chunk)
            #expect(windowed == tree, "\(name), lookahead \(lookahead), chunk \(chunk)")
        }
        let directory = TemporaryDirectory()
        let path = directory.file("\(name).json")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try LegacyDocument.load(path: path) == tree)
    }

    /// A value longer than the window, or anything after the document beyond it: the reader gives
    /// up and `load` reads the whole file, so what is accepted and the errors stay the tree's.
    @Test("a value longer than the window, or data after the document, is left to the whole-file path")
    func windowLimits() throws {
        let bytes = try legacyFixtureBytes("overlap")
        #expect(try Self.windowed(bytes, lookahead: 64, chunk: 16) == nil)
        let directory = TemporaryDirectory()
        let path = directory.file("overlap.json")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try LegacyDocument.load(path: path) == (try LegacyDocument.parseTree(bytes, file: "overlap")))

        // Trailing data ten chunks past the end of the document's last window.
        let trailing = bytes + Array(repeating: UInt8(ascii: " "), count: 50_000) + Array("x".utf8)
        #expect(try Self.windowed(trailing, lookahead: 4_096, chunk: 1_000) == nil)
        let bad = directory.file("trailing.json")
        try Data(trailing).write(to: URL(fileURLWithPath: bad))
        var loadMessage = ""
        do { _ = try LegacyDocument.load(path: bad) } catch { loadMessage = "\(error)" }
        var parseMessage = ""
        do { _ = try LegacyDocument.parse(trailing, file: bad) } catch { parseMessage = "\(error)" }
        #expect(loadMessage.contains("unexpected data after the JSON value"), "\(loadMessage)")
        #expect(loadMessage == parseMessage)

        // Trailing whitespace only, past the windows: still the document.
        let padded = bytes + Array(repeating: UInt8(ascii: "\n"), count: 50_000)
        #expect(try Self.windowed(padded, lookahead: 4_096, chunk: 1_000) == (try LegacyDocument.parseTree(bytes, file: "overlap")))
    }

    /// Mutated fixtures through small windows: never a document the tree path rejects or
    /// decodes differently.
    @Test("mutated fixtures through small windows: never accepted where the tree rejects, never different")
    func mutatedWindowsAgree() throws {
        let documents = try legacyFixtures.map { try legacyFixtureBytes($0.name) }.filter { $0.count <= 100_000 }
        var mutator = FuzzMutator(random: FuzzGenerator(seed: Self.seed ^ 0x3D))
        var accepted = 0
        for iteration in 0..<300 {
            let (kind, bytes) = mutator.mutate(documents[iteration % documents.count])
            let tree = try? LegacyDocument.parseTree(bytes, file: "fuzz.json")
            if let windowed = try Self.windowed(bytes, lookahead: 2_048, chunk: 333) {
                accepted += 1
                #expect(windowed == tree, "seed \(Self.seed), iteration \(iteration) (\(kind)): windowed reader and tree differ")
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
