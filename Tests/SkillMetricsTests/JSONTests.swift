import Foundation
import Testing
@testable import SkillMetrics

@Suite("JSON reading and writing")
struct JSONTests {
    @Test("Python repr layout", arguments: [
        (100.0, "100.0"), (0.0, "0.0"), (-0.0, "-0.0"), (9e-06, "9e-06"), (1.5e-07, "1.5e-07"),
        (1e16, "1e+16"), (1.2345678901234568e+17, "1.2345678901234568e+17"),
        (9945083326558224.0, "9945083326558224.0"), (0.0001, "0.0001"), (123.456, "123.456"),
        (71.42857142857143, "71.42857142857143"), (1e22, "1e+22"), (Double.leastNonzeroMagnitude, "5e-324"), (-2.5, "-2.5"),
    ])
    func pythonRepr(value: Double, expected: String) {
        #expect(PythonFloatFormatter.repr(value) == expected)
    }

    @Test("Python repr agrees with python3 on random doubles")
    func pythonReprAgainstPython() throws {
        var generator = SeededRandom()
        var values: [Double] = []
        for _ in 0..<2000 {
            let bits = UInt64.random(in: 0...UInt64.max, using: &generator)
            let value = Double(bitPattern: bits)
            if value.isFinite { values.append(value) }
            values.append(Double.random(in: 1e15...1e17, using: &generator))
            values.append(Double.random(in: 0...1e-3, using: &generator))
        }
        let input = values.map { String($0.bitPattern) }.joined(separator: "\n")
        let script = "import sys, struct\nfor line in sys.stdin.read().split():\n    print(repr(struct.unpack('<d', struct.pack('<Q', int(line)))[0]))"
        let output = try Python.run(script, stdin: input)
        let expected = output.split(separator: "\n").map(String.init)
        #expect(expected.count == values.count, "\(generator)")
        for (value, python) in zip(values, expected) where PythonFloatFormatter.repr(value) != python {
            Issue.record("repr(\(value.bitPattern)): Swift \(PythonFloatFormatter.repr(value)) vs Python \(python); \(generator)")
        }
    }

    @Test("ensure_ascii escaping matches Python's json.dumps")
    func ensureASCII() throws {
        let text = "é🚀\"\\/\t\n\r\u{8}\u{C}\u{1}\u{1F}\u{7F} ~"
        var output = ""
        JSONWriter.appendQuoted(text, ensureASCII: true, into: &output)
        #expect(output == #""\u00e9\ud83d\ude80\"\\/\t\n\r\b\f\u0001\u001f\u007f ~""#)
        var sqlite = ""
        JSONWriter.appendQuoted(text, ensureASCII: false, into: &sqlite)
        #expect(sqlite == "\"é🚀\\\"\\\\/\\t\\n\\r\\b\\f\\u0001\\u001f\u{7F} ~\"")
    }

    @Test("python style layout: indent 2, empty containers inline, key order kept")
    func pythonLayout() {
        let value = JSONValue.object(JSONObject([
            ("b", .array([.int(1), .double(2.0)])), ("a", .object(JSONObject())), ("c", .array([])), ("d", .null),
        ]))
        #expect(JSONWriter(style: .python(ensureASCII: true)).string(value)
                == "{\n  \"b\": [\n    1,\n    2.0\n  ],\n  \"a\": {},\n  \"c\": [],\n  \"d\": null\n}")
        #expect(JSONWriter(style: .compact).string(value) == #"{"b":[1,2.0],"a":{},"c":[],"d":null}"#)
    }

    @Test("parser keeps key order and number literals and round-trips a legacy file byte for byte")
    func roundTrip() throws {
        let data = try #require(FileManager.default.contents(atPath: PackagePaths.fixture("legacy/hostile.json")))
        let value = try JSONParser().parse(Array(data))
        #expect(Array(JSONWriter(style: .python(ensureASCII: true)).string(value).utf8) == Array(data))
    }

    @Test("malformed JSON is reported with its line and column", arguments: [
        ("", 1, 1, "empty"), ("{\"a\": 1", 1, 8, "truncated"), ("[1,\n NaN]", 2, 2, "NaN"),
        ("[Infinity]", 1, 2, "Infinity"), ("[-Infinity]", 1, 2, "Infinity"), ("{\"a\":1,\"a\":2}", 1, 8, "duplicate"),
        ("[\"\\ud800\"]", 1, 3, "surrogate"), ("[01]", 1, 2, "leading zero"), ("[1] x", 1, 5, "after"),
        ("\"a\u{1}\"", 1, 3, "control"), ("[1e999]", 1, 2, "range"),
    ])
    func malformed(text: String, line: Int, column: Int, fragment: String) {
        #expect {
            try JSONParser().parse(text)
        } throws: { error in
            guard let failure = error as? JSONParser.Failure else { return false }
            return failure.line == line && failure.column == column && failure.message.contains(fragment)
        }
    }

    @Test("invalid UTF-8 and deep nesting are rejected without trapping")
    func hostileBytes() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser().parse([0x22, 0xFF, 0xFE, 0x22]) }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Failure.self) { try JSONParser().parse(deep) }
    }
}

@Suite("Timestamps")
struct TimestampTests {
    @Test("parsing normalises to canonical UTC", arguments: [
        ("2026-01-12T09:00:00Z", "2026-01-12T09:00:00.000000Z"),
        ("2026-01-12T09:00:00.25+01:00", "2026-01-12T08:00:00.250000Z"),
        ("2026-03-29T01:30:00.123456-0230", "2026-03-29T04:00:00.123456Z"),
        ("2024-02-29 23:59:59.999999z", "2024-02-29T23:59:59.999999Z"),
        ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.500000Z"),
    ])
    func canonical(input: String, expected: String) throws {
        #expect(try Timestamp.parse(input).canonical == expected)
    }

    @Test("bad timestamps are refused", arguments: [
        "2026-01-12T09:00:00", "2026-02-30T00:00:00Z", "2026-01-12T24:00:00Z", "2026-01-12T09:00:00.1234567Z",
        "2026-01-12", "yesterday", "2026-01-12T09:00:00+25:00", "0000-01-01T00:00:00Z", "2026-01-12T09:00:00Zjunk",
    ])
    func refused(input: String) {
        #expect(throws: Timestamp.ParseError.self) { try Timestamp.parse(input) }
    }

    @Test("Python isoformat omits zero microseconds")
    func pythonISOFormat() throws {
        #expect(try #require(LocalDateTime.parse("2026-01-12T09:00:05")).pythonISOFormat == "2026-01-12T09:00:05")
        #expect(try #require(LocalDateTime.parse("2026-01-12T09:00:05.250000")).pythonISOFormat == "2026-01-12T09:00:05.250000")
    }
}

/// Runs python3 scripts for cross-checks against the reference implementations.
enum Python {
    static func run(_ script: String, stdin: String = "") throws -> String {
        let result = try ExternalTool.python(script, stdin: stdin)
        guard result.status == 0 else {
            throw SkillMetricsError.invalidInput(location: "python3", reason: "exit status \(result.status): \(result.stderr)")
        }
        return result.stdout
    }
}
