import GRDBSQLite

/// The bytes of a text column of a statement's current row, read through the C API.
///
/// GRDB's `String(sqliteStatement:index:)` and `DatabaseValue(sqliteStatement:index:)` stop
/// at the first NUL byte and repair bytes that are not UTF-8; a reader that must see what a
/// client or a hand edit stored (verify's comparisons, the incremental fold's stored times)
/// reads every byte here.
enum ColumnText {
    /// Column `index`'s bytes, valid until the statement steps or is reset (empty, with no base
    /// address, when SQLite gives no pointer); nil when the value is not TEXT.
    static func bytes(_ sqlite: OpaquePointer, _ index: CInt) -> UnsafeBufferPointer<UInt8>? {
        guard sqlite3_column_type(sqlite, index) == SQLITE_TEXT else { return nil }
        // sqlite3_column_text before sqlite3_column_bytes: the count is then of the UTF-8 form.
        guard let text = sqlite3_column_text(sqlite, index) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(sqlite, index)))
    }
}
