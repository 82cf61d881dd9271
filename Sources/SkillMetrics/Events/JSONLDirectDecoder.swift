import Foundation

/// The common JSONL line — an object of the known keys with values of their usual types —
/// decoded straight from its bytes, without building a JSON tree first.
///
/// ``JSONLEventDecoder`` parses a line into a ``JSONValue`` tree and then reads the event out
/// of it; for `append --jsonl` that was 27 % of the command (a `JSONObject` of boxed values,
/// and a linear key lookup per field). This decoder reads the same line with the same
/// scanning (``JSONParser/Cursor``: the same strings, numbers and literals) and returns nil at
/// the first thing it does not expect — any syntax error, a repeated, unknown or mistyped key,
/// a `user_context` object, an event that fails validation. The caller then decodes the line
/// the tree way, which gives every error exactly as before. So when this returns an event it
/// is the one the tree decoder returns (`JSONLDirectDecoderTests` compares both on every line
/// of the workload family and on hand-written edge cases), and when it returns nil nothing
/// changed.
struct JSONLDirectDecoder {
    private typealias Field = JSONLEventDecoder.Field

    /// ``JSONLEventDecoder/Field`` in order (a synthesized `allCases` builds its array on each
    /// use), and their keys: a key's position is its bit in the set of keys seen.
    private static let fields = Field.allCases
    private static let keys = Field.allCases.map(\.rawValue)
    /// The keys' UTF-8 bytes, in ``fields`` order.
    private static let keyBytes = keys.map { Array($0.utf8) }

    /// The position in ``fields`` of the key whose bytes, with no escape, are
    /// `line[start..<end]`; nil when no key has them.
    private static func position(ofKey line: [UInt8], _ start: Int, _ end: Int) -> Int? {
        let length = end - start
        for (position, bytes) in keyBytes.enumerated() where bytes.count == length {
            var index = 0
            while index < length, line[start + index] == bytes[index] { index += 1 }
            if index == length { return position }
        }
        return nil
    }

    /// The event on `line`, or nil to let the tree decoder handle it.
    static func decode(_ line: [UInt8]) -> SkillInvocation? {
        do {
            return try decodeOrThrow(line)
        } catch {
            return nil
        }
    }

    /// Thrown for anything the direct path leaves to the tree decoder.
    private struct NotDirect: Error {}

    private static func decodeOrThrow(_ line: [UInt8]) throws -> SkillInvocation? {
        var cursor = JSONParser.Cursor(bytes: line, maximumDepth: JSONParser().maximumDepth)
        func byte() throws -> UInt8 {
            guard cursor.index < line.count else { throw NotDirect() }
            return line[cursor.index]
        }
        func expect(_ expected: Unicode.Scalar) throws {
            cursor.skipWhitespace()
            guard try byte() == UInt8(ascii: expected) else { throw NotDirect() }
            cursor.index += 1
        }
        func optionalString() throws -> String? {
            switch try byte() {
            case UInt8(ascii: "\""): return try cursor.parseString()
            case UInt8(ascii: "n"): try cursor.expectWord("null"); return nil
            default: throw NotDirect()
            }
        }
        func flag() throws -> Bool {
            switch try byte() {
            case UInt8(ascii: "t"): try cursor.expectWord("true"); return true
            case UInt8(ascii: "f"): try cursor.expectWord("false"); return false
            default: throw NotDirect()
            }
        }
        func optionalNumber() throws -> JSONNumber? {
            switch try byte() {
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try cursor.parseNumber()
            case UInt8(ascii: "n"): try cursor.expectWord("null"); return nil
            default: throw NotDirect()
            }
        }
        func actions() throws -> [String] {
            if try byte() == UInt8(ascii: "n") {
                try cursor.expectWord("null")
                return []
            }
            guard try byte() == UInt8(ascii: "[") else { throw NotDirect() }
            cursor.index += 1
            var result: [String] = []
            cursor.skipWhitespace()
            if try byte() == UInt8(ascii: "]") {
                cursor.index += 1
                return result
            }
            while true {
                cursor.skipWhitespace()
                guard try byte() == UInt8(ascii: "\"") else { throw NotDirect() }
                result.append(try cursor.parseString())
                cursor.skipWhitespace()
                switch try byte() {
                case UInt8(ascii: ","): cursor.index += 1
                case UInt8(ascii: "]"): cursor.index += 1; return result
                default: throw NotDirect()
                }
            }
        }

        var seen: UInt32 = 0
        var id: String?
        var skill: String?
        var invokedText: String?
        var path: String?
        var errorType: String?
        var session: String?
        var completed = true
        var finished = true
        var duration: Double?
        var followUps: [String] = []
        var schemaVersion = 1

        try expect("{")
        cursor.skipWhitespace()
        // An empty object lacks skill_name: the tree decoder says so.
        guard try byte() == UInt8(ascii: "\"") else { throw NotDirect() }
        while true {
            cursor.skipWhitespace()
            guard try byte() == UInt8(ascii: "\"") else { throw NotDirect() }
            // A key without an escape is matched on its bytes where it lies (the known keys are
            // ASCII, and no other text is canonically equivalent to one); parsing it into a
            // String and comparing that with each key cost ~7k instructions a line. A key
            // with an escape is parsed first.
            let start = cursor.index + 1
            var end = start
            while end < line.count, line[end] != UInt8(ascii: "\""), line[end] != UInt8(ascii: "\\") { end += 1 }
            let found: Int?
            if end < line.count, line[end] == UInt8(ascii: "\"") {
                found = Self.position(ofKey: line, start, end)
                cursor.index = end + 1
            } else {
                found = keys.firstIndex(of: try cursor.parseString())
            }
            guard let position = found, seen & (1 << position) == 0 else { throw NotDirect() }
            seen |= 1 << position
            let field = fields[position]
            try expect(":")
            cursor.skipWhitespace()
            switch field {
            case .id: id = try optionalString()
            case .skillName: skill = try optionalString()
            case .invokedAt: invokedText = try optionalString()
            case .workflowPath: path = try optionalString()
            case .errorType: errorType = try optionalString()
            case .sessionID: session = try optionalString()
            case .completed: completed = try flag()
            case .finished: finished = try flag()
            case .durationSeconds: duration = try optionalNumber()?.doubleValue
            case .followUpActions: followUps = try actions()
            case .schemaVersion:
                if let number = try optionalNumber() {
                    guard let version = number.intValue else { throw NotDirect() }
                    schemaVersion = version
                }
            case .userContext:
                // An object goes the tree way (its members are kept as a JSONObject).
                try cursor.expectWord("null")
            case .seq, .recordedAt:
                // Ignored, as by the tree decoder, once they parse.
                _ = try cursor.parseValue(depth: 1)
            }
            cursor.skipWhitespace()
            switch try byte() {
            case UInt8(ascii: ","): cursor.index += 1
            case UInt8(ascii: "}"): cursor.index += 1
                cursor.skipWhitespace()
                guard cursor.index == line.count, let skill, let invokedText,
                      let invokedAt = try? Timestamp.parse(invokedText)
                else { throw NotDirect() }
                let event = SkillInvocation(
                    id: id ?? UUID().uuidString.lowercased(), skillName: skill, invokedAt: invokedAt,
                    workflowPath: path, completed: completed, durationSeconds: duration, errorType: errorType,
                    sessionID: session, followUpActions: followUps, schemaVersion: schemaVersion,
                    userContext: nil, finished: finished)
                try event.validate()
                return event
            default: throw NotDirect()
            }
        }
    }
}
