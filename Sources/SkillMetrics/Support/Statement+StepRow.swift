import GRDB
import GRDBSQLite

extension Statement {
    /// Steps the statement through the C API: true at a row, false when it is done; any other
    /// result is a `DatabaseError` carrying SQLite's message and the statement's SQL.
    ///
    /// For loops that read columns in place (`sqlite3_column_*`, checked by the caller) instead
    /// of building a `Row` per step.
    func stepRow(_ db: Database) throws -> Bool {
        let code = sqlite3_step(sqliteStatement)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw DatabaseError(
            resultCode: ResultCode(rawValue: code),
            message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
    }
}
