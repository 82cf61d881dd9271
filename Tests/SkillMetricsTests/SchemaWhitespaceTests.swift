import Foundation
import Testing
@testable import SkillMetrics

/// `SchemaConformance` compares definitions with every `White_Space` scalar removed; its byte
/// filter must remove exactly what a filter by Unicode scalar removes.
@Suite("Schema definitions without whitespace")
struct SchemaWhitespaceTests {
    static func reference(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.lazy.filter { !$0.properties.isWhitespace })
        return String(scalars)
    }

    /// Every scalar with the White_Space property, found by scanning the code space.
    static let whitespace: [Unicode.Scalar] = (0...0x10FFFF).compactMap(Unicode.Scalar.init).filter(\.properties.isWhitespace)

    @Test func everyWhitespaceScalarAndItsNeighbours() {
        #expect(Self.whitespace.count == 25)
        for scalar in Self.whitespace {
            for neighbour in [scalar.value - 1, scalar.value + 1].compactMap(Unicode.Scalar.init) {
                let text = "a\(Character(scalar))b\(Character(neighbour))c é \u{1F600}\t"
                #expect(SchemaConformance.withoutWhitespace(text) == Self.reference(text), "U+\(String(scalar.value, radix: 16))")
            }
        }
    }

    @Test func randomTextAndTheMigrations() throws {
        var generator = SystemRandomNumberGenerator()
        let pool = Self.whitespace + ["a", "Z", "(", ";", "é", "—", "×", "\u{1F600}", "\u{0}", "\u{7F}", "\u{80}", "\u{FFFF}"]
        for _ in 0..<500 {
            let text = String(String.UnicodeScalarView((0..<Int.random(in: 0...40, using: &generator)).map { _ in
                pool.randomElement(using: &generator) ?? "a"
            }))
            #expect(SchemaConformance.withoutWhitespace(text) == Self.reference(text), "\(text.unicodeScalars.map(\.value))")
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: PackagePaths.migrations) {
            let text = try String(contentsOfFile: PackagePaths.migrations + "/" + file, encoding: .utf8)
            #expect(SchemaConformance.withoutWhitespace(text) == Self.reference(text), "\(file)")
        }
    }
}
