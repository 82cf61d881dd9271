import Foundation
import PostgresNIO
import SkillMetrics

/// Local events as rows of `COPY skill_invocation (…) FROM STDIN` in PostgreSQL's text format:
/// one line per event, columns separated by tabs, `\N` for NULL, and backslash, tab, newline
/// and carriage return escaped in text values.
///
/// Doubles are written as Swift's shortest representation that reads back to the same bits
/// (`-0.0` included), which PostgreSQL's `float8` input reads exactly. Event text never holds
/// U+0000 (the local log refuses it), which the text format could not carry either.
package enum TeamLogCopyRows {
    /// The columns of each row, in order.
    package static let columns = ["source_id", "source_seq"]
        + TeamLogEvent.contentColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }

    /// The rows of `events`, pushed from `source`.
    package static func encode(_ events: [TeamLogEvent], source: UUID) -> ByteBuffer {
        let sourceText = source.uuidString.lowercased()
        var buffer = ByteBufferAllocator().buffer(capacity: events.count * 256)
        for event in events {
            buffer.writeString(sourceText)
            buffer.writeInteger(UInt8(ascii: "\t"))
            buffer.writeString(String(event.seq))
            separator(&buffer)
            text(event.id, &buffer)
            separator(&buffer)
            text(event.skillName, &buffer)
            separator(&buffer)
            text(event.invokedAt, &buffer)
            separator(&buffer)
            text(event.workflowPath, &buffer)
            separator(&buffer)
            buffer.writeString(String(event.completed))
            separator(&buffer)
            if let duration = event.durationSeconds { buffer.writeString(String(duration)) } else { null(&buffer) }
            separator(&buffer)
            text(event.errorType, &buffer)
            separator(&buffer)
            text(event.sessionID, &buffer)
            separator(&buffer)
            text(event.followUpActions, &buffer)
            separator(&buffer)
            buffer.writeString(String(event.schemaVersion))
            separator(&buffer)
            text(event.userContext, &buffer)
            separator(&buffer)
            buffer.writeString(String(event.finished))
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        return buffer
    }

    private static func separator(_ buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\t"))
    }

    private static func null(_ buffer: inout ByteBuffer) {
        buffer.writeStaticString("\\N")
    }

    /// A text value, escaped; `\N` for nil.
    private static func text(_ value: String?, _ buffer: inout ByteBuffer) {
        guard let value else { return null(&buffer) }
        let utf8 = value.utf8
        guard utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
            buffer.writeString(value)
            return
        }
        for byte in utf8 {
            switch byte {
            case 0x5C: buffer.writeStaticString("\\\\")
            case 0x09: buffer.writeStaticString("\\t")
            case 0x0A: buffer.writeStaticString("\\n")
            case 0x0D: buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }
}
