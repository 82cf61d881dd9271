import GRDB

/// Inserts many rows with few statements: `INSERT INTO table (columns) VALUES (…), (…) …`,
/// optionally with an UPSERT clause (`ON CONFLICT (…) DO UPDATE SET …`) that turns a row whose
/// key is stored into an update of that row.
///
/// Each statement carries a power-of-two number of rows up to ``rowsPerStatement``, so a load
/// of any size uses at most a handful of distinct (cached) statements. One statement for many
/// rows also means one statement journal: when the rows fire a trigger that writes an FTS5
/// table, the index is not flushed between rows (FTS5 syncs at every savepoint once it holds
/// pending writes), so write such tables last in a transaction and with this type.
struct MultiRowInsert {
    let table: String
    let columns: [String]
    let rowsPerStatement: Int
    /// Appended to each statement: an `ON CONFLICT … DO UPDATE …` clause, or nil.
    let upsert: String?

    /// `rowsPerStatement` is rounded down to a power of two and kept within SQLite's limit of
    /// 32,766 bound values per statement. With `upsert`, the rows must have distinct keys (a
    /// row that meets another row of the same statement would update it).
    init(into table: String, columns: [String], rowsPerStatement: Int = 128, upsert: String? = nil) {
        self.table = table
        self.columns = columns
        self.upsert = upsert
        let limit = Swift.max(1, Swift.min(rowsPerStatement, 32_766 / Swift.max(1, columns.count)))
        var rows = 1
        while rows * 2 <= limit { rows *= 2 }
        self.rowsPerStatement = rows
    }

    func sql(rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        return "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
            + Array(repeating: row, count: rows).joined(separator: ", ")
            + (upsert.map { " " + $0 } ?? "")
    }

    /// Inserts (or, with ``upsert``, inserts or updates) `count` rows in order. `bind(statement,
    /// row, first)` binds the values of row `row` (0-based, in `0..<count`) to the parameters
    /// from `first` on, in column order.
    func run(_ db: Database, count: Int, bind: (RawStatement, Int, CInt) -> Void) throws {
        try run(db, count: count) { (_: inout StaticTexts, statement, row, first) in bind(statement, row, first) }
    }

    /// As ``run(_:count:bind:)``, with the texts bound in place from one buffer
    /// (``StaticTexts``: no copy, malloc and free per text): `bind(&texts, statement, row,
    /// first)` adds each text of the row to `texts` and binds its other values to `statement`.
    func run(_ db: Database, count: Int, bind: (inout StaticTexts, RawStatement, Int, CInt) -> Void) throws {
        var done = 0
        var size = rowsPerStatement
        // The statement of the current size, made once per size (its text is long: building it
        // and hashing it for GRDB's cache on every statement cost ~2% of a clone's writes).
        var statement: RawStatement?
        var prepared = 0
        var texts = StaticTexts(capacity: Swift.min(count, size) * columns.count, bytes: Swift.min(count, size) * 64)
        while done < count {
            while size > count - done { size /= 2 }
            let current: RawStatement
            if let statement, prepared == size {
                current = statement
            } else {
                current = try RawStatement(db, sql(rows: size))
                statement = current
                prepared = size
            }
            current.reset()
            texts.removeAll()
            var parameter: CInt = 1
            for row in done..<(done + size) {
                bind(&texts, current, row, parameter)
                parameter += CInt(columns.count)
            }
            // SQLite counts a row the UPSERT updated as changed too.
            let changed = try texts.bound(to: current) { try current.execute(db) }
            guard changed == size else {
                throw SkillMetricsError.database(
                    operation: "insert into \(table)", message: "a \(size)-row INSERT wrote \(changed) rows")
            }
            done += size
        }
    }
}
