/// A strict RFC 8259 JSON parser that keeps key order and number literals.
///
/// Rejects what Python's `json` module would let through and SkillMetrics must not accept:
/// `NaN`, `Infinity`, duplicate object keys (the same bytes), invalid UTF-8, lone surrogates, and nesting
/// deeper than ``maximumDepth``. Errors carry the line and column of the problem.
public struct JSONParser: Sendable {
    /// Nesting deeper than this is rejected (protects the stack from hostile input).
    public var maximumDepth: Int

    public init(maximumDepth: Int = 256) {
        self.maximumDepth = maximumDepth
    }

    /// A parse failure with its 1-based position.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    /// Parses one JSON document that must span the whole input (whitespace around allowed).
    public func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> JSONValue {
        let buffer = Array(bytes)
        var state = Cursor(bytes: buffer, maximumDepth: maximumDepth)
        state.skipWhitespace()
        if state.index == buffer.count {
            throw state.failure(at: state.index, "the input is empty (expected a JSON value)")
        }
        let value = try state.parseValue(depth: 0)
        state.skipWhitespace()
        if state.index != buffer.count {
            throw state.failure(at: state.index, "unexpected data after the JSON value")
        }
        return value
    }

    /// Parses a JSON document from a string.
    public func parse(_ text: String) throws(Failure) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// The parser's position in its input, and the strict RFC 8259 scanning of each kind of
    /// value. `LegacyDocumentReader` decodes legacy files with the same scanning, so both
    /// accept exactly the same JSON.
    struct Cursor {
        /// The input. `LegacyDocumentReader` replaces it with the next window of a file at
        /// points where it holds no position into it (between two values of a list).
        var bytes: [UInt8]
        let maximumDepth: Int
        var index = 0

        init(bytes: [UInt8], maximumDepth: Int) {
            self.bytes = bytes
            self.maximumDepth = maximumDepth
        }

        func failure(at position: Int, _ message: String) -> Failure {
            var line = 1
            var column = 1
            var i = 0
            let end = min(position, bytes.count)
            while i < end {
                if bytes[i] == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else if bytes[i] & 0xC0 != 0x80 {
                    column += 1
                }
                i += 1
            }
            return Failure(line: line, column: column, message: message)
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        func describeByte(at position: Int) -> String {
            guard position < bytes.count else { return "the end of the input" }
            let byte = bytes[position]
            if byte >= 0x21 && byte < 0x7F {
                return "'\(Character(Unicode.Scalar(byte)))'"
            }
            return "byte 0x\(String(byte, radix: 16))"
        }

        mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
            guard depth <= maximumDepth else {
                throw failure(at: index, "nesting deeper than \(maximumDepth) levels")
            }
            guard index < bytes.count else {
                throw failure(at: index, "unexpected end of input (the JSON is truncated)")
            }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
            case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
            case UInt8(ascii: "n"): try expectWord("null"); return .null
            case UInt8(ascii: "N"):
                throw failure(at: index, "NaN is not a valid JSON number")
            case UInt8(ascii: "I"):
                throw failure(at: index, "Infinity is not a valid JSON number")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .number(try parseNumber())
            default:
                throw failure(at: index, "unexpected \(describeByte(at: index)) (expected a JSON value)")
            }
        }

        mutating func expectWord(_ word: StaticString) throws(Failure) {
            let start = index
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count else {
                throw failure(at: start, "unexpected end of input (the JSON is truncated)")
            }
            let pointer = word.utf8Start
            for offset in 0..<count where bytes[index + offset] != pointer[offset] {
                throw failure(at: start, "invalid literal (expected \(word))")
            }
            index += count
        }

        mutating func parseNumber() throws(Failure) -> JSONNumber {
            let start = index
            if bytes[index] == UInt8(ascii: "-") {
                index += 1
                if index < bytes.count && bytes[index] == UInt8(ascii: "I") {
                    throw failure(at: start, "-Infinity is not a valid JSON number")
                }
            }
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw failure(at: start, "invalid number")
            }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
                if index < bytes.count && isDigit(bytes[index]) {
                    throw failure(at: start, "invalid number (leading zero)")
                }
            } else {
                while index < bytes.count && isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else {
                    throw failure(at: start, "invalid number (digits must follow the decimal point)")
                }
                while index < bytes.count && isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
                index += 1
                if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                    index += 1
                }
                guard index < bytes.count, isDigit(bytes[index]) else {
                    throw failure(at: start, "invalid number (digits must follow the exponent)")
                }
                while index < bytes.count && isDigit(bytes[index]) { index += 1 }
            }
            let literal = String(decoding: bytes[start..<index], as: UTF8.self)
            guard let value = Double(literal), value.isFinite else {
                throw failure(at: start, "number \(literal.prefix(40)) is out of range")
            }
            return JSONNumber(validatedLiteral: literal, doubleValue: value)
        }

        func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }

        mutating func parseString() throws(Failure) -> String {
            let start = index
            index += 1  // opening quote
            var runStart = index
            var runIsASCII = true
            var output = ""
            func flush(_ end: Int, into output: inout String) throws(Failure) {
                if end > runStart {
                    guard let text = self.text(runStart..<end, isASCII: runIsASCII) else {
                        throw failure(at: runStart, "invalid UTF-8 in string")
                    }
                    output += text
                }
            }
            while true {
                guard index < bytes.count else {
                    throw failure(at: start, "unterminated string (the JSON is truncated)")
                }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    try flush(index, into: &output)
                    index += 1
                    return output
                }
                if byte < 0x20 {
                    throw failure(at: index, "control character 0x\(String(byte, radix: 16)) must be escaped in a string")
                }
                if byte != UInt8(ascii: "\\") {
                    if byte >= 0x80 { runIsASCII = false }
                    index += 1
                    continue
                }
                try flush(index, into: &output)
                index += 1
                guard index < bytes.count else {
                    throw failure(at: start, "unterminated string (the JSON is truncated)")
                }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): output += "\""
                case UInt8(ascii: "\\"): output += "\\"
                case UInt8(ascii: "/"): output += "/"
                case UInt8(ascii: "b"): output += "\u{08}"
                case UInt8(ascii: "f"): output += "\u{0C}"
                case UInt8(ascii: "n"): output += "\n"
                case UInt8(ascii: "r"): output += "\r"
                case UInt8(ascii: "t"): output += "\t"
                case UInt8(ascii: "u"):
                    let escapeStart = index - 2
                    let first = try parseHex4()
                    var scalarValue = first
                    if (0xD800...0xDBFF).contains(first) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                              bytes[index + 1] == UInt8(ascii: "u")
                        else {
                            throw failure(at: escapeStart, "lone surrogate \\u\(String(first, radix: 16)) in string")
                        }
                        index += 2
                        let second = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(second) else {
                            throw failure(at: escapeStart, "invalid surrogate pair in string")
                        }
                        scalarValue = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(first) {
                        throw failure(at: escapeStart, "lone surrogate \\u\(String(first, radix: 16)) in string")
                    }
                    guard let scalar = Unicode.Scalar(scalarValue) else {
                        throw failure(at: escapeStart, "invalid \\u escape")
                    }
                    output.unicodeScalars.append(scalar)
                default:
                    throw failure(at: index - 2, "invalid escape sequence in string")
                }
                runStart = index
                runIsASCII = true
            }
        }

        /// The bytes in `range` as a string; nil when they are not valid UTF-8. ASCII (known
        /// from the scan) needs no validation.
        func text(_ range: Range<Int>, isASCII: Bool) -> String? {
            bytes.withUnsafeBufferPointer { buffer in
                let slice = UnsafeBufferPointer(rebasing: buffer[range])
                return isASCII ? String(decoding: slice, as: UTF8.self) : String(validating: slice, as: UTF8.self)
            }
        }

        mutating func parseHex4() throws(Failure) -> UInt32 {
            guard bytes.count - index >= 4 else {
                throw failure(at: index, "truncated \\u escape")
            }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw failure(at: index, "invalid hex digit in \\u escape")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
            index += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else {
                    throw failure(at: index, "unexpected end of input in array (the JSON is truncated)")
                }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(elements)
                }
                throw failure(at: index, "unexpected \(describeByte(at: index)) in array (expected ',' or ']')")
            }
        }

        mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
            index += 1
            var object = JSONObject()
            // Small objects (the common case) check a new key against the keys so far; large
            // ones switch to a set. Keys are the same only when their bytes are (``ExactText``):
            // `"caf\u00e9"` and `"cafe\u0301"` are two keys to Python's `json` and to SQLite, though
            // Swift's `==` calls them equal.
            var seen: Set<ExactText>? = nil
            skipWhitespace()
            if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count else {
                    throw failure(at: index, "unexpected end of input in object (the JSON is truncated)")
                }
                guard bytes[index] == UInt8(ascii: "\"") else {
                    throw failure(at: index, "unexpected \(describeByte(at: index)) in object (expected a string key)")
                }
                let keyStart = index
                let key = try parseString()
                let duplicate: Bool
                if seen == nil && object.members.count < 16 {
                    let exact = ExactText(key)
                    duplicate = object.members.contains { ExactText($0.key) == exact }
                } else {
                    if seen == nil { seen = Set(object.members.map { ExactText($0.key) }) }
                    duplicate = seen?.insert(ExactText(key)).inserted == false
                }
                guard !duplicate else {
                    throw failure(at: keyStart, "duplicate key \"\(key.prefix(60))\" in object")
                }
                skipWhitespace()
                guard index < bytes.count else {
                    throw failure(at: index, "unexpected end of input in object (the JSON is truncated)")
                }
                guard bytes[index] == UInt8(ascii: ":") else {
                    throw failure(at: index, "unexpected \(describeByte(at: index)) in object (expected ':')")
                }
                index += 1
                skipWhitespace()
                let value = try parseValue(depth: depth + 1)
                object.append(key, value)
                skipWhitespace()
                guard index < bytes.count else {
                    throw failure(at: index, "unexpected end of input in object (the JSON is truncated)")
                }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(object)
                }
                throw failure(at: index, "unexpected \(describeByte(at: index)) in object (expected ',' or '}')")
            }
        }
    }
}
