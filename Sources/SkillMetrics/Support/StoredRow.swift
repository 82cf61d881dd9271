import Foundation
import GRDB

/// One row read from a table of the database, decoded with checked types.
///
/// GRDB's `row[i]` subscripts and `String(sqliteStatement:)` trap on a NULL or a value of the
/// wrong type — values that a foreign client, a hand edit or a damaged file can leave in any
/// column. Every accessor here throws ``SkillMetricsError/invalidStoredValue(table:column:row:reason:)``
/// instead, naming the table, the column and the row (`seq 12`, `skill "x"`).
///
/// ```swift
/// let stored = StoredRow(row, table: "skill_invocation")
/// let seq: Int64 = try stored.decode(atIndex: 0)
/// let keyed = stored.identified(by: "seq \(seq)")
/// let name: String = try keyed.decode(atIndex: 2)
/// let path: String? = try keyed.decodeIfPresent(atIndex: 4)
/// ```
struct StoredRow {
    /// The row as fetched.
    let row: Row
    /// The table (or view) the row comes from, for messages.
    let table: String
    /// Which row this is (`seq 12`), when known, for messages.
    let key: String?

    init(_ row: Row, table: String, key: String? = nil) {
        self.row = row
        self.table = table
        self.key = key
    }

    /// The same row, named by `key` in messages.
    func identified(by key: String) -> StoredRow {
        StoredRow(row, table: table, key: key)
    }

    /// The raw value at `index` (never fails for an index inside the row).
    func databaseValue(atIndex index: Int) throws -> DatabaseValue {
        guard index >= 0 && index < row.count else {
            throw failure(column: "#\(index)", reason: "the row has only \(row.count) columns")
        }
        return try row.decode(DatabaseValue.self, atIndex: index)
    }

    /// The value at `index` as `T`; NULL or a value that does not convert exactly is an error.
    func decode<T: DatabaseValueConvertible>(_ type: T.Type = T.self, atIndex index: Int) throws -> T {
        let value = try databaseValue(atIndex: index)
        guard let decoded = T.fromDatabaseValue(value) else {
            throw failure(column: columnName(index), reason: "expected \(Self.expected(T.self)), found \(Self.describe(value))")
        }
        return decoded
    }

    /// The value at `index` as `T`, nil for NULL; any other value that does not convert is an error.
    func decodeIfPresent<T: DatabaseValueConvertible>(_ type: T.Type = T.self, atIndex index: Int) throws -> T? {
        let value = try databaseValue(atIndex: index)
        if value.isNull { return nil }
        guard let decoded = T.fromDatabaseValue(value) else {
            throw failure(column: columnName(index), reason: "expected \(Self.expected(T.self)) or NULL, found \(Self.describe(value))")
        }
        return decoded
    }

    /// The integer at `index` read as a flag: 0 or 1, anything else is an error.
    func decodeFlag(atIndex index: Int) throws -> Bool {
        let value: Int64 = try decode(atIndex: index)
        guard value == 0 || value == 1 else {
            throw failure(column: columnName(index), reason: "expected 0 or 1, found integer \(value)")
        }
        return value == 1
    }

    /// The value of the column named `column` as `T`.
    func decode<T: DatabaseValueConvertible>(_ type: T.Type = T.self, forColumn column: String) throws -> T {
        try decode(type, atIndex: try index(of: column))
    }

    /// The value of the column named `column` as `T`, nil for NULL.
    func decodeIfPresent<T: DatabaseValueConvertible>(_ type: T.Type = T.self, forColumn column: String) throws -> T? {
        try decodeIfPresent(type, atIndex: try index(of: column))
    }

    /// An error about the column at `index` of this row (for checks beyond the type).
    func failure(atIndex index: Int, reason: String) -> SkillMetricsError {
        failure(column: columnName(index), reason: reason)
    }

    private func index(of column: String) throws -> Int {
        guard let index = Array(row.columnNames).firstIndex(where: { $0.caseInsensitiveCompare(column) == .orderedSame }) else {
            throw failure(column: column, reason: "the column is missing")
        }
        return index
    }

    private func columnName(_ index: Int) -> String {
        let names = Array(row.columnNames)
        return index >= 0 && index < names.count ? names[index] : "#\(index)"
    }

    private func failure(column: String, reason: String) -> SkillMetricsError {
        .invalidStoredValue(table: table, column: column, row: key ?? "a row", reason: reason)
    }

    static func expected<T>(_ type: T.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type: "a real number"
        case is Bool.Type: "an integer flag"
        default: "\(type)"
        }
    }

    /// A short, unambiguous description of a stored value for messages.
    static func describe(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: return "NULL"
        case .int64(let number): return "integer \(number)"
        case .double(let number): return "real \(number)"
        case .string(let text):
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return "text \(JSONWriter.quoted(shown))"
        case .blob(let data): return "a blob of \(data.count) bytes"
        }
    }
}
