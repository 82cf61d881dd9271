import GRDB
import GRDBSQLite

/// A cached statement driven through the C API: values are bound one by one (no
/// `StatementArguments` per row), and an UPDATE reports how many rows it changed.
package struct RawStatement {
    /// Keeps GRDB's cached statement (and so the C statement) alive.
    let statement: Statement
    var sqlite: OpaquePointer { statement.sqliteStatement }

    package init(_ db: Database, _ sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
    }

    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    }

    package func reset() {
        // The error of a failed step was reported by `execute`; reset returns it again.
        _ = sqlite3_reset(sqlite)
    }

    package func bind(_ index: CInt, _ value: String) {
        var value = value
        value.withUTF8 { bind(index, bytes: $0) }
    }

    /// Binds UTF-8 `bytes` as text (copied by SQLite).
    package func bind(_ index: CInt, bytes: UnsafeBufferPointer<UInt8>) {
        if let base = bytes.baseAddress, bytes.count > 0 {
            _ = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text(sqlite, index, $0, CInt(bytes.count), Self.transient)
            }
        } else {
            _ = sqlite3_bind_text(sqlite, index, "", 0, Self.transient)
        }
    }

    package func bind(_ index: CInt, _ value: Int64) { _ = sqlite3_bind_int64(sqlite, index, value) }
    package func bind(_ index: CInt, _ value: Int) { _ = sqlite3_bind_int64(sqlite, index, Int64(value)) }
    package func bind(_ index: CInt, _ value: Double) { _ = sqlite3_bind_double(sqlite, index, value) }
    package func bindNull(_ index: CInt) { _ = sqlite3_bind_null(sqlite, index) }
    package func bind(_ index: CInt, _ value: String?) { if let value { bind(index, value) } else { bindNull(index) } }
    package func bind(_ index: CInt, _ value: Double?) { if let value { bind(index, value) } else { bindNull(index) } }
    /// Binds UTF-8 `bytes` as text, or NULL.
    package func bind(_ index: CInt, bytes: UnsafeBufferPointer<UInt8>?) {
        if let bytes { bind(index, bytes: bytes) } else { bindNull(index) }
    }

    func bind(_ index: CInt, _ value: DatabaseValue) {
        switch value.storage {
        case .null: bindNull(index)
        case .int64(let integer): bind(index, integer)
        case .double(let double): bind(index, double)
        case .string(let text): bind(index, text)
        case .blob(let data):
            _ = data.withUnsafeBytes { bytes in
                sqlite3_bind_blob(sqlite, index, bytes.baseAddress, CInt(bytes.count), Self.transient)
            }
        }
    }

    private func failure(_ code: CInt, _ db: Database) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code),
            message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
    }

    /// Runs an INSERT or UPDATE; the number of rows it changed.
    package func execute(_ db: Database) throws -> Int {
        let code = sqlite3_step(sqlite)
        guard code == SQLITE_DONE else {
            // The statement's own error code (sqlite3_step may report only SQLITE_ERROR).
            let error = failure(sqlite3_reset(sqlite), db)
            throw error
        }
        let changes = Int(sqlite3_changes(db.sqliteConnection))
        reset()
        return changes
    }

    /// Steps a SELECT: true when it produced a row, false when it is done (the caller resets).
    func step(_ db: Database) throws -> Bool {
        let code = sqlite3_step(sqlite)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw failure(sqlite3_reset(sqlite), db)
    }

    /// Column `index` of the current row when it holds a number, else nil.
    func double(at index: CInt) -> Double? {
        switch sqlite3_column_type(sqlite, index) {
        case SQLITE_FLOAT, SQLITE_INTEGER: return sqlite3_column_double(sqlite, index)
        default: return nil
        }
    }

    /// Column `index` of the current row when it holds an integer, else nil.
    func int64(at index: CInt) -> Int64? {
        sqlite3_column_type(sqlite, index) == SQLITE_INTEGER ? sqlite3_column_int64(sqlite, index) : nil
    }

    /// The first column of the one row a SELECT finds, nil when it finds none.
    func fetchDouble(_ db: Database, table: String, key: String) throws -> Double? {
        let code = sqlite3_step(sqlite)
        defer { reset() }
        if code == SQLITE_DONE { return nil }
        guard code == SQLITE_ROW else { throw failure(code, db) }
        switch sqlite3_column_type(sqlite, 0) {
        case SQLITE_FLOAT, SQLITE_INTEGER: return sqlite3_column_double(sqlite, 0)
        default:
            throw SkillMetricsError.invalidInput(
                location: "\(table) \(key), column total_duration_seconds", reason: "not a number")
        }
    }
}
