import GRDB
import GRDBSQLite

/// Checked reads of the current row of a statement over `skill_invocation`'s projection
/// columns (``ProjectionEvent/selectSQL``), straight from SQLite (no `Row` boxing).
///
/// Each read checks the storage class first: a value of the wrong type (a NULL where the
/// schema has NOT NULL, text in an integer column — a foreign or altered file can hold them)
/// is a ``SkillMetricsError/invalidInput(location:reason:)`` naming the table, column and
/// seq, never a trap.
struct EventColumns {
    private let statement: Statement
    let sqlite: OpaquePointer
    /// The seq of the current row (set by ``step(_:)``), for error messages.
    private(set) var seq: Int64 = 0

    init(_ statement: Statement) {
        self.statement = statement
        sqlite = statement.sqliteStatement
    }

    /// Steps to the next row and reads its seq; false when there is none.
    mutating func step(_ db: Database) throws -> Bool {
        guard try statement.stepRow(db) else { return false }
        guard sqlite3_column_type(sqlite, 0) == SQLITE_INTEGER else {
            throw SkillMetricsError.invalidInput(
                location: "skill_invocation after seq \(seq), column seq", reason: "not an integer")
        }
        seq = sqlite3_column_int64(sqlite, 0)
        return true
    }

    func bad(_ index: CInt, _ reason: String) -> SkillMetricsError {
        .invalidInput(
            location: "skill_invocation seq \(seq), column \(ProjectionEvent.columnNames[Int(index)])", reason: reason)
    }

    private func typeName(_ type: CInt) -> String {
        Self.storageClassName(type)
    }

    /// How messages name a value's SQLite storage class (`sqlite3_column_type`).
    static func storageClassName(_ type: CInt) -> String {
        switch type {
        case SQLITE_NULL: return "NULL"
        case SQLITE_INTEGER: return "an integer"
        case SQLITE_FLOAT: return "a real"
        case SQLITE_TEXT: return "text"
        default: return "a blob"
        }
    }

    /// The text as a `String`; bytes that are not valid UTF-8 are an error naming the seq and
    /// column (``invalidUTF8Reason``).
    func text(_ index: CInt) throws -> String {
        let bytes = try textBytes(index)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw bad(index, Self.invalidUTF8Reason) }
        return text
    }

    func optionalText(_ index: CInt) throws -> String? {
        sqlite3_column_type(sqlite, index) == SQLITE_NULL ? nil : try text(index)
    }

    /// The text's bytes, valid until the statement steps again. They are what a client stored,
    /// not necessarily valid UTF-8: the fold's vocabulary counts the texts it had to repair
    /// (``FoldVocabulary/repairedTexts``), and a reader that sees that count move names the
    /// column with ``invalidUTF8()``.
    func textBytes(_ index: CInt) throws -> UnsafeBufferPointer<UInt8> {
        let type = sqlite3_column_type(sqlite, index)
        guard type == SQLITE_TEXT else { throw bad(index, "expected text, found \(typeName(type))") }
        let count = Int(sqlite3_column_bytes(sqlite, index))
        guard let bytes = sqlite3_column_text(sqlite, index), count > 0 else {
            return UnsafeBufferPointer(start: nil, count: 0)
        }
        return UnsafeBufferPointer(start: bytes, count: count)
    }

    /// The error for the current row's first text column whose bytes are not valid UTF-8.
    func invalidUTF8() -> SkillMetricsError {
        let texts = ([1, 2, 3, 6, 7, 8] as [CInt]).map { index -> (column: String, bytes: UnsafeBufferPointer<UInt8>?) in
            let count = Int(sqlite3_column_bytes(sqlite, index))
            let bytes = sqlite3_column_type(sqlite, index) == SQLITE_TEXT ? sqlite3_column_text(sqlite, index) : nil
            return (ProjectionEvent.columnNames[Int(index)], bytes.map { UnsafeBufferPointer(start: $0, count: count) })
        }
        return Self.invalidUTF8(seq: seq, texts)
    }

    /// The error for the first of an event's texts (column name and bytes; nil for NULL) that
    /// is not valid UTF-8, naming its seq and column as ``bad(_:_:)`` does.
    static func invalidUTF8(seq: Int64, _ texts: [(column: String, bytes: UnsafeBufferPointer<UInt8>?)]) -> SkillMetricsError {
        let invalid = texts.first { $0.bytes.map { String(validating: $0, as: UTF8.self) == nil } ?? false }
        return .invalidInput(
            location: "skill_invocation seq \(seq), column \(invalid?.column ?? "skill_name")", reason: invalidUTF8Reason)
    }

    /// Why a text that is not valid UTF-8 is refused: read as a repaired `String`, it would no
    /// longer be the stored text, and the projections recomputed from it would not match their
    /// rows.
    static let invalidUTF8Reason = "not valid UTF-8 (a client stored bytes that are not text; SkillMetrics reads every text as UTF-8)"

    func isNull(_ index: CInt) -> Bool {
        sqlite3_column_type(sqlite, index) == SQLITE_NULL
    }

    func flag(_ index: CInt) throws -> Bool {
        let type = sqlite3_column_type(sqlite, index)
        guard type == SQLITE_INTEGER else { throw bad(index, "expected 0 or 1, found \(typeName(type))") }
        switch sqlite3_column_int64(sqlite, index) {
        case 0: return false
        case 1: return true
        case let other: throw bad(index, "expected 0 or 1, found \(other)")
        }
    }

    func optionalDouble(_ index: CInt) throws -> Double? {
        switch sqlite3_column_type(sqlite, index) {
        case SQLITE_NULL: return nil
        case SQLITE_FLOAT, SQLITE_INTEGER: return sqlite3_column_double(sqlite, index)
        case let type: throw bad(index, "expected a real, found \(typeName(type))")
        }
    }
}
