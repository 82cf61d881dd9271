import Crypto
import Foundation
import GRDB

/// The SHA-256 hash chain over the event log that makes tampering evident.
///
/// Each event's *leaf* is SHA-256 of an unambiguous encoding of its row: `seq` and every
/// content column (`id`, `skill_name`, `invoked_at`, `workflow_path`, `completed`,
/// `duration_seconds`, `error_type`, `session_id`, `follow_up_actions`, `schema_version`,
/// `user_context`, `finished`, `recorded_at`), each as a type tag followed by a fixed-width
/// integer, the IEEE-754 bit pattern of a real, or a length-prefixed byte string (text is
/// hashed as its stored bytes). The chain starts at SHA-256 of ``domain`` and folds
/// `chain = SHA-256(chain ‖ leaf)` in `seq` order; a checkpoint stores the chain at a seq.
/// The encoding is read from the raw stored values, so any change of any byte (even one a
/// client wrote around the schema's constraints) changes the leaf.
public enum AuditChain {
    /// Prefix that separates this chain from any other use of SHA-256.
    public static let domain = "skill-metrics audit chain v1"

    /// The chain value before any event.
    public static var genesis: [UInt8] { Array(SHA256.hash(data: Array(domain.utf8))) }

    static let hashedColumns = [
        "seq", "id", "skill_name", "invoked_at", "workflow_path", "completed", "duration_seconds",
        "error_type", "session_id", "follow_up_actions", "schema_version", "user_context",
        "finished", "recorded_at",
    ]

    /// Selects, for each hashed column, its storage class and its value (integers and reals as
    /// themselves, text and blobs as their exact bytes).
    static let selectSQL: String = {
        let parts = hashedColumns.map { column in
            "typeof(\(column)), CASE typeof(\(column)) WHEN 'integer' THEN \(column) WHEN 'real' THEN \(column) "
                + "WHEN 'null' THEN NULL ELSE CAST(\(column) AS BLOB) END"
        }
        return "SELECT seq, " + parts.joined(separator: ", ") + " FROM skill_invocation"
    }()

    /// Appends the canonical encoding of one selected row (see ``selectSQL``) to `output`.
    static func encode(_ row: Row, into output: inout [UInt8]) throws {
        for index in hashedColumns.indices {
            let typeIndex = 1 + 2 * index
            let valueIndex = typeIndex + 1
            let type = try row.decode(String.self, atIndex: typeIndex)
            switch type {
            case "null":
                output.append(0)
            case "integer":
                output.append(1)
                appendUInt64(UInt64(bitPattern: try row.decode(Int64.self, atIndex: valueIndex)), into: &output)
            case "real":
                output.append(2)
                appendUInt64(try row.decode(Double.self, atIndex: valueIndex).bitPattern, into: &output)
            default:
                output.append(type == "text" ? 3 : 4)
                try row.withUnsafeData(atIndex: valueIndex) { data in
                    let bytes = data ?? Data()
                    appendUInt64(UInt64(bytes.count), into: &output)
                    output.append(contentsOf: bytes)
                }
            }
        }
    }

    private static func appendUInt64(_ value: UInt64, into output: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) {
            output.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    /// The leaf hash of one selected row.
    static func leaf(_ row: Row, buffer: inout [UInt8]) throws -> [UInt8] {
        buffer.removeAll(keepingCapacity: true)
        try encode(row, into: &buffer)
        return Array(SHA256.hash(data: buffer))
    }

    /// The next chain value.
    static func link(_ chain: [UInt8], _ leaf: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: chain)
        hasher.update(data: leaf)
        return Array(hasher.finalize())
    }

    /// Streams `(seq, leaf)` for the stored events with `after < seq <= through`, in seq order.
    static func forEachLeaf(
        _ db: Database, after: Int64, through: Int64 = .max,
        _ body: (Int64, [UInt8]) throws -> Void
    ) throws {
        let cursor = try Row.fetchCursor(
            db, sql: selectSQL + " WHERE seq > ? AND seq <= ? ORDER BY seq", arguments: [after, through])
        var buffer: [UInt8] = []
        buffer.reserveCapacity(512)
        while let row = try cursor.next() {
            try body(try row.decode(Int64.self, atIndex: 0), try leaf(row, buffer: &buffer))
        }
    }
}
