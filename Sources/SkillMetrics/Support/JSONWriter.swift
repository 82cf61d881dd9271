/// Writes ``JSONValue``s byte for byte the way a chosen producer would.
///
/// * ``Style/python(ensureASCII:)`` is Python's `json.dumps(value, indent=2)`: the legacy
///   trackers' files, byte-exact.
/// * ``Style/compact`` is SQLite's JSON output (`json_group_object`, `json_array`): no spaces,
///   non-ASCII as UTF-8, control characters escaped. Projection dictionaries are stored this
///   way by the triggers, so the Swift projectors write them the same way.
public struct JSONWriter: Sendable {
    /// The output layout and escaping.
    public enum Style: Sendable, Equatable {
        /// `json.dumps(value, indent=2, ensure_ascii=…)`, no trailing newline.
        case python(ensureASCII: Bool)
        /// One line, no spaces (SQLite's own JSON text).
        case compact
    }

    public var style: Style

    public init(style: Style) {
        self.style = style
    }

    /// The JSON text of a value.
    public func string(_ value: JSONValue) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        write(value, indent: 0, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    private var ensureASCII: Bool {
        if case .python(let ascii) = style { return ascii }
        return false
    }

    private var indented: Bool {
        if case .python = style { return true }
        return false
    }

    // The text is built as UTF-8 bytes (one String at the end): appending to a String piece by
    // piece cost more than the rest of a legacy import's event building.
    private func write(_ value: JSONValue, indent: Int, into output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): output.append(contentsOf: number.literal.utf8)
        case .string(let text): JSONWriter.appendQuoted(text, ensureASCII: ensureASCII, into: &output)
        case .array(let elements):
            if elements.isEmpty {
                output.append(contentsOf: "[]".utf8)
                return
            }
            output.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                newline(indent + 2, into: &output)
                write(element, indent: indent + 2, into: &output)
            }
            newline(indent, into: &output)
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.members.isEmpty {
                output.append(contentsOf: "{}".utf8)
                return
            }
            output.append(UInt8(ascii: "{"))
            for (offset, member) in object.members.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                newline(indent + 2, into: &output)
                JSONWriter.appendQuoted(member.key, ensureASCII: ensureASCII, into: &output)
                output.append(UInt8(ascii: ":"))
                if indented { output.append(UInt8(ascii: " ")) }
                write(member.value, indent: indent + 2, into: &output)
            }
            newline(indent, into: &output)
            output.append(UInt8(ascii: "}"))
        }
    }

    private func newline(_ indent: Int, into output: inout [UInt8]) {
        guard indented else { return }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
    }

    /// Appends `text` as a JSON string literal.
    ///
    /// Escapes `"` and `\`, writes `\b \t \n \f \r` for those characters and `\u00xx` for the
    /// other characters below U+0020. With `ensureASCII`, DEL and every non-ASCII character are
    /// written `\uxxxx` too (surrogate pairs beyond the BMP), as Python's `ensure_ascii` does.
    public static func appendQuoted(_ text: String, ensureASCII: Bool, into output: inout String) {
        var bytes: [UInt8] = []
        appendQuoted(text, ensureASCII: ensureASCII, into: &bytes)
        output += String(decoding: bytes, as: UTF8.self)
    }

    /// The same, into UTF-8 bytes.
    static func appendQuoted(_ text: String, ensureASCII: Bool, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // Most strings need no escape at all: copy them whole.
        let needsEscaping = text.utf8.contains { byte in
            byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || (ensureASCII && byte >= 0x7F)
        }
        if !needsEscaping {
            output.append(contentsOf: text.utf8)
            output.append(UInt8(ascii: "\""))
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output.append(contentsOf: #"\""#.utf8)
            case "\\": output.append(contentsOf: #"\\"#.utf8)
            case "\u{08}": output.append(contentsOf: #"\b"#.utf8)
            case "\t": output.append(contentsOf: #"\t"#.utf8)
            case "\n": output.append(contentsOf: #"\n"#.utf8)
            case "\u{0C}": output.append(contentsOf: #"\f"#.utf8)
            case "\r": output.append(contentsOf: #"\r"#.utf8)
            default:
                let value = scalar.value
                if value < 0x20 || (ensureASCII && value >= 0x7F) {
                    if value > 0xFFFF {
                        let offset = value - 0x10000
                        appendUnicodeEscape(0xD800 + (offset >> 10), into: &output)
                        appendUnicodeEscape(0xDC00 + (offset & 0x3FF), into: &output)
                    } else {
                        appendUnicodeEscape(value, into: &output)
                    }
                } else {
                    appendUTF8(value, into: &output)
                }
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// The UTF-8 bytes of a Unicode scalar value.
    private static func appendUTF8(_ value: UInt32, into output: inout [UInt8]) {
        switch value {
        case ..<0x80:
            output.append(UInt8(truncatingIfNeeded: value))
        case ..<0x800:
            output.append(UInt8(truncatingIfNeeded: 0xC0 | (value >> 6)))
            output.append(UInt8(truncatingIfNeeded: 0x80 | (value & 0x3F)))
        case ..<0x10000:
            output.append(UInt8(truncatingIfNeeded: 0xE0 | (value >> 12)))
            output.append(UInt8(truncatingIfNeeded: 0x80 | ((value >> 6) & 0x3F)))
            output.append(UInt8(truncatingIfNeeded: 0x80 | (value & 0x3F)))
        default:
            output.append(UInt8(truncatingIfNeeded: 0xF0 | (value >> 18)))
            output.append(UInt8(truncatingIfNeeded: 0x80 | ((value >> 12) & 0x3F)))
            output.append(UInt8(truncatingIfNeeded: 0x80 | ((value >> 6) & 0x3F)))
            output.append(UInt8(truncatingIfNeeded: 0x80 | (value & 0x3F)))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func appendUnicodeEscape(_ value: UInt32, into output: inout [UInt8]) {
        output.append(contentsOf: #"\u"#.utf8)
        for shift in stride(from: 12, through: 0, by: -4) {
            output.append(hexDigits[Int((value >> UInt32(shift)) & 0xF)])
        }
    }
}
