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
        var output = ""
        write(value, indent: 0, into: &output)
        return output
    }

    private var ensureASCII: Bool {
        if case .python(let ascii) = style { return ascii }
        return false
    }

    private var indented: Bool {
        if case .python = style { return true }
        return false
    }

    private func write(_ value: JSONValue, indent: Int, into output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .number(let number): output += number.literal
        case .string(let text): JSONWriter.appendQuoted(text, ensureASCII: ensureASCII, into: &output)
        case .array(let elements):
            if elements.isEmpty {
                output += "[]"
                return
            }
            output += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output += "," }
                newline(indent + 2, into: &output)
                write(element, indent: indent + 2, into: &output)
            }
            newline(indent, into: &output)
            output += "]"
        case .object(let object):
            if object.members.isEmpty {
                output += "{}"
                return
            }
            output += "{"
            for (offset, member) in object.members.enumerated() {
                if offset > 0 { output += "," }
                newline(indent + 2, into: &output)
                JSONWriter.appendQuoted(member.key, ensureASCII: ensureASCII, into: &output)
                output += indented ? ": " : ":"
                write(member.value, indent: indent + 2, into: &output)
            }
            newline(indent, into: &output)
            output += "}"
        }
    }

    private func newline(_ indent: Int, into output: inout String) {
        guard indented else { return }
        output += "\n"
        output += String(repeating: " ", count: indent)
    }

    /// Appends `text` as a JSON string literal.
    ///
    /// Escapes `"` and `\`, writes `\b \t \n \f \r` for those characters and `\u00xx` for the
    /// other characters below U+0020. With `ensureASCII`, DEL and every non-ASCII character are
    /// written `\uxxxx` too (surrogate pairs beyond the BMP), as Python's `ensure_ascii` does.
    public static func appendQuoted(_ text: String, ensureASCII: Bool, into output: inout String) {
        output += "\""
        // Most strings need no escape at all: copy them whole.
        let needsEscaping = text.utf8.contains { byte in
            byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || (ensureASCII && byte >= 0x7F)
        }
        if !needsEscaping {
            output += text
            output += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\u{08}": output += "\\b"
            case "\t": output += "\\t"
            case "\n": output += "\\n"
            case "\u{0C}": output += "\\f"
            case "\r": output += "\\r"
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
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }

    private static func appendUnicodeEscape(_ value: UInt32, into output: inout String) {
        output += "\\u"
        output += Hex.encode([UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)])
    }
}
