import Testing
@testable import SkillMetrics

/// The fold's interned texts and packed timestamps: every text comes back byte for byte, and
/// texts are told apart by their bytes, as SQLite's BINARY collation tells them apart.
@Suite("Fold vocabulary and packed timestamps")
struct FoldVocabularyTests {
    static let canonical = [
        "2026-01-01T00:00:30.000000Z",
        "0001-01-01T00:00:00.000000Z",
        "9999-12-31T23:59:59.999999Z",
        "2024-02-29T12:34:56.789012Z",
        // The CHECK's GLOB admits these digit ranges; the packing must keep them too.
        "0000-00-00T00:00:00.000000Z",
        "9999-19-39T29:59:59.999999Z",
    ]

    static let other = [
        "",
        "2026-01-01 00:00:30.000000Z",
        "2026-01-01T00:00:30.000000",
        "2026-01-01T00:00:30Z",
        "2026-01-01T00:00:30.000000Z ",
        "2026-99-01T00:00:30.000000Z",  // month digits beyond the packed field
        "2026-01-01T00:00:64.000000Z",  // second digits beyond the packed field
        "２０２６-01-01T00:00:30.000000Z",
        "2026-01-01T00:00:30.00000xZ",
    ]

    @Test("canonical timestamps pack into a non-negative integer and format back exactly", arguments: canonical)
    func canonicalRoundTrip(_ text: String) {
        var vocabulary = FoldVocabulary()
        let time = vocabulary.time(text)
        #expect(time.raw >= 0)
        #expect(vocabulary[time] == text)
        var utf8 = text
        let fromBytes = utf8.withUTF8 { vocabulary.time(bytes: $0) }
        #expect(fromBytes == time)
        #expect(vocabulary.count == 1)  // only the empty text: nothing was interned
    }

    @Test("other texts are interned and come back exactly", arguments: other)
    func otherRoundTrip(_ text: String) {
        var vocabulary = FoldVocabulary()
        let time = vocabulary.time(text)
        #expect(time.raw < 0)
        #expect(vocabulary[time] == text)
        var utf8 = text
        let fromBytes = utf8.withUTF8 { vocabulary.time(bytes: $0) }
        #expect(fromBytes == time)
    }

    @Test("random canonical timestamps round-trip, and distinct texts stay distinct")
    func randomCanonical() {
        var vocabulary = FoldVocabulary()
        var generator = SystemRandomNumberGenerator()
        var seen: [Int64: String] = [:]
        for _ in 0..<5_000 {
            func digits(_ count: Int, first: ClosedRange<Int> = 0...9) -> String {
                var text = String(Int.random(in: first, using: &generator))
                for _ in 1..<count { text += String(Int.random(in: 0...9, using: &generator)) }
                return text
            }
            let text = "\(digits(4))-\(digits(2, first: 0...1))-\(digits(2, first: 0...3))T"
                + "\(digits(2, first: 0...2)):\(digits(2, first: 0...5)):\(digits(2, first: 0...5)).\(digits(6))Z"
            let time = vocabulary.time(text)
            #expect(time.raw >= 0)
            #expect(vocabulary[time] == text)
            if let earlier = seen[time.raw] { #expect(earlier == text) }
            seen[time.raw] = text
        }
    }

    @Test("texts are told apart by their bytes, whichever way they arrive")
    func byteIdentity() {
        var vocabulary = FoldVocabulary()
        let precomposed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(precomposed == decomposed)  // equal as Swift strings…
        let first = vocabulary.id(precomposed)
        let second = vocabulary.id(decomposed)
        #expect(first != second)  // …but SQLite keeps them apart, and so does the fold
        var utf8 = decomposed
        #expect(utf8.withUTF8 { vocabulary.id(bytes: $0) } == second)
        #expect(vocabulary[first].utf8.elementsEqual(precomposed.utf8))
        #expect(vocabulary[second].utf8.elementsEqual(decomposed.utf8))
        vocabulary.withBytes(of: second) { bytes in #expect(Array(bytes) == Array(decomposed.utf8)) }
        #expect(vocabulary.id("") == FoldVocabulary.empty)
        for index in 0..<2_000 { _ = vocabulary.id("key-\(index)") }  // grows the table
        #expect(vocabulary.id(precomposed) == first)
        #expect(vocabulary.id("key-1999") == vocabulary.id("key-1999"))
        #expect(vocabulary.count == 2_003)
    }

    @Test("names equal as Swift strings but not as bytes are separate keys in every projection, per event and in bulk")
    func canonicallyEquivalentNames() throws {
        let precomposed = "caf\u{E9}", decomposed = "cafe\u{301}"
        func event(_ index: Int, _ text: String) -> SkillInvocation {
            SkillInvocation(
                id: "e\(index)", skillName: text, invokedAt: ts("2026-01-01T00:00:\(10 + index % 50)Z"),
                workflowPath: text, completed: index % 3 != 0, durationSeconds: Double(index) / 4,
                errorType: index % 3 == 0 ? text : nil, sessionID: text, followUpActions: [text, precomposed])
        }
        // Per event (the triggers), a bulk load (the whole-log fold writes the rows), then a
        // batch folded incrementally into the stored rows.
        let db = try TestDatabase()
        for index in 0..<6 { _ = try db.store.append(event(index, index % 2 == 0 ? precomposed : decomposed)) }
        _ = try db.store.append((6..<3_006).map { event($0, $0 % 2 == 0 ? precomposed : decomposed) })
        _ = try db.store.append((3_006..<3_106).map { event($0, $0 % 2 == 0 ? precomposed : decomposed) })
        let verified = try db.store.verify()
        #expect(verified.isConsistent, "\(verified.differences.prefix(3))")
        #expect(verified.skills == 2)
        #expect(verified.sessionSkills == 2)
        try db.store.rebuild()
        #expect(try db.store.verify().isConsistent)
    }
}
