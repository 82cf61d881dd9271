import Foundation
import GRDB
import GRDBSQLite

/// Compares projections recomputed by the Swift projectors with the stored tables, every
/// column, bit for bit: the second half of `verify` (and of a restore's check).
///
/// Each table is compared in two steps. First the stored rows are read in the table's own
/// order and matched row for row against the recomputed rows in the order the table keeps
/// them (first appearance for the rowid tables, the primary key for `skill_key_count`): in
/// a consistent database this proves equality without decoding or hashing a single key.
/// Only when that match fails anywhere is the table compared by key, which names every
/// difference — missing rows, extra rows and each differing field — exactly as before.
enum ProjectionComparison {
    typealias ColumnValues = [(column: String, value: DatabaseValue)]

    /// ``SkillMetricsStore/verify(progress:)`` on `db`, inside the caller's read transaction
    /// (one snapshot): the log folded and every projection table compared with the stored one.
    ///
    /// A log big enough to fold on two threads is folded letting each `session_skill` row go
    /// once it equals its stored row (``ProjectionSet/foldLettingIdenticalSessionRowsGo(_:progress:twoThreadsAbove:)``);
    /// when the stored rows differ after some had gone, the log is folded again holding every
    /// row, so the differences named are those of the fold holding every row.
    static func verify(_ db: Database, progress: ((Int) -> Void)?) throws -> SkillMetricsStore.VerifyResult {
        var projections = ProjectionSet()
        let sessionRows = try projections.foldLettingIdenticalSessionRowsGo(db, progress: progress)
        if sessionRows == .foldAgain {
            projections = ProjectionSet()
            try projections.fold(db, progress: progress, completingPercentiles: false)
        }
        try projections.completePercentiles(db)
        var result = try compare(projections, with: db, sessionRowsProvedIdentical: sessionRows == .storedRowsIdentical)
        result.sessionRowsHeldAtMost = projections.sessionSkills.peakHeldRows
        return result
    }

    /// Every difference between `projections` and the stored tables. `sessionRowsProvedIdentical`
    /// skips `session_skill`, which a fold that let its rows go has already proved identical
    /// (``ProjectionSet/foldLettingIdenticalSessionRowsGo(_:progress:twoThreadsAbove:)``).
    static func compare(
        _ projections: ProjectionSet, with db: Database, sessionRowsProvedIdentical: Bool = false
    ) throws -> SkillMetricsStore.VerifyResult {
        var differences: [ProjectionDifference] = []
        let skillRows = projections.skillMetrics.rows
        let sessions = projections.sessionSkills
        // The tables of the database's schema: V5's skill_totals and skill_key_count, or the
        // skill_metrics table (with the V2 columns when it has them); the search table from V2 on.
        let schema = try ProjectionSchema.of(db)
        // The legacy columns, as every reader sees them: the V4 table, or V5's view.
        try compareTable(
            "skill_metrics", keyColumns: ["skill_name"],
            expected: skillRows.lazy.map { $0.databaseValues(percentiles: schema.hasPercentiles) }, db: db,
            into: &differences)
        // What the view already shows: [skill, field] of each skill_metrics difference ("(row)"
        // for a whole row). The tables the view reads report only what it does not show.
        let shown = Set(differences.compactMap { difference -> [String]? in
            guard let skill = difference.key.first else { return nil }
            return [skill, difference.field]
        })
        if schema.hasKeyCountRows {
            // V5's count rows: the differences the view does not already show (a first_seq or
            // first_index that leaves the dictionary's order unchanged), naming skill, field and key.
            var keyDifferences: [ProjectionDifference] = []
            if try !storedKeyCounts(equal: projections, schema: schema, db) {
                try compareByKey(
                    "skill_key_count", keyColumns: ["skill_name", "field", "key"],
                    expected: projections.skillMetrics.keyCountRows(includingPaths: schema.hasPathKeyCountRows)
                        .map(\.databaseValues),
                    db: db, into: &keyDifferences)
            }
            differences += keyDifferences.filter { difference in
                difference.key.count < 2
                    || !(shown.contains([difference.key[0], difference.key[1]]) || shown.contains([difference.key[0], "(row)"]))
            }
            // Columns of skill_totals the view does not show: none besides the trigger's cache.
        }
        if !sessionRowsProvedIdentical, try !storedSessionRows(sessions, db) {
            try compareSessionRowsByKey(sessions, db, into: &differences)
        }
        if schema.hasWorkflowPaths {
            var pathDifferences: [ProjectionDifference] = []
            try compareTable(
                "skill_workflow_path", keyColumns: ["skill_name", "workflow_path"],
                expected: projections.workflowPaths.rows.lazy.map(\.databaseValues), db: db, into: &pathDifferences)
            if schema.viewReadsPathRows {
                // V11: the view's workflow_paths are these rows' counts in id order. A count, an
                // id or a row of a non-empty path of a skill whose workflow_paths differ is that
                // difference again (as a count row is above).
                pathDifferences.removeAll { difference in
                    difference.key.count == 2 && !difference.key[1].isEmpty
                        && shown.contains([difference.key[0], "workflow_paths"])
                        && ["invocation_count", "id", "(row)"].contains(difference.field)
                }
            }
            differences += pathDifferences
        }
        return SkillMetricsStore.VerifyResult(
            events: projections.eventCount, skills: skillRows.count,
            sessionSkills: sessions.rowCount, differences: differences)
    }

    /// True when `skill_key_count` holds exactly the recomputed count rows (``compare(_:with:)``'s
    /// first step: every row and column). Read back in the order of (first_seq, field,
    /// first_index), which names each row once when the table is consistent: an event's keys
    /// all belong to its own skill.
    static func storedKeyCounts(equal projections: ProjectionSet, schema: ProjectionSchema, _ db: Database) throws -> Bool {
        let projector = projections.skillMetrics
        let names = projector.vocabulary
        let entries = projector.keyCountEntries(includingPaths: schema.hasPathKeyCountRows).sorted { lhs, rhs in
            (lhs.firstSeq, lhs.field.storedOrder, lhs.firstIndex) < (rhs.firstSeq, rhs.field.storedOrder, rhs.firstIndex)
        }
        guard !entries.isEmpty else { return try storedRows(of: "skill_key_count", equal: [ColumnValues](), db) }
        // The columns of SkillKeyCountRow.databaseValues, matched in place from the ids' bytes.
        return try storedRows(
            of: "skill_key_count", columns: ["skill_name", "field", "key", "count", "first_seq", "first_index"],
            orderedBy: "first_seq, field, first_index", equal: entries, db
        ) { sqlite, row in
            names.withBytes(of: row.skill) { stored(sqlite, 0, isText: $0) }
                && stored(sqlite, 1, isText: row.field.rawValue)
                && names.withBytes(of: row.key) { stored(sqlite, 2, isText: $0) }
                && stored(sqlite, 3, isInteger: Int64(row.count))
                && stored(sqlite, 4, isInteger: row.firstSeq)
                && stored(sqlite, 5, isInteger: Int64(row.firstIndex))
        }
    }

    /// True when `skill_workflow_path` holds exactly the recomputed rows, in the table's order.
    static func storedWorkflowPaths(equal projections: ProjectionSet, _ db: Database) throws -> Bool {
        try storedRows(of: "skill_workflow_path", equal: projections.workflowPaths.rows.lazy.map(\.databaseValues), db)
    }

    /// True when column `index` of the statement's current row holds exactly `value` (as
    /// ``ProjectionDifference/identical(_:_:)`` compares), read in place without building a value.
    private static func stored(_ sqlite: OpaquePointer, _ index: CInt, isIdenticalTo value: DatabaseValue) -> Bool {
        switch value.storage {
        case .null: return sqlite3_column_type(sqlite, index) == SQLITE_NULL
        case .int64(let integer): return stored(sqlite, index, isInteger: integer)
        case .double(let double): return stored(sqlite, index, isReal: double)
        case .string(let text): return stored(sqlite, index, isText: text)
        case .blob: return false  // compared through DatabaseValue
        }
    }

    /// Compares the recomputed rows of `table` with the stored ones, appending every
    /// difference: first row for row in the table's own order (``storedRows(of:equal:_:)``),
    /// by key only when that fails.
    private static func compareTable<Rows: Collection>(
        _ table: String, keyColumns: [String], expected: Rows,
        db: Database, into differences: inout [ProjectionDifference]
    ) throws where Rows.Element == ColumnValues {
        if try storedRows(of: table, equal: expected, db) { return }
        try compareByKey(table, keyColumns: keyColumns, expected: Array(expected), db: db, into: &differences)
    }

    /// True when a full scan of `table` returns exactly `rows`, in this order, every column
    /// identical. False at the first row, column or count that differs (the caller then
    /// compares by key); a failing step is an error.
    private static func storedRows<Rows: Collection>(
        of table: String, equal rows: Rows, _ db: Database
    ) throws -> Bool where Rows.Element == ColumnValues {
        guard let first = rows.first else {
            return try GRDB.Row.fetchOne(db, sql: "SELECT 1 FROM \(table) LIMIT 1") == nil
        }
        let columns = first.map(\.column)
        return try storedRows(of: table, columns: columns, orderedBy: nil, equal: rows, db) { sqlite, row in
            guard row.count == columns.count else { return false }
            for (index, entry) in row.enumerated() where !Self.stored(sqlite, CInt(index), isIdenticalTo: entry.value) {
                return false
            }
            return true
        }
    }

    /// True when a full scan of `table` (its `columns`, sorted by `orderedBy` when given)
    /// returns one row per element of `rows`, in this order, each accepted by `matches`
    /// (which reads the statement's current row in place).
    private static func storedRows<Rows: Collection>(
        of table: String, columns: [String], orderedBy: String?, equal rows: Rows, _ db: Database,
        matches: (OpaquePointer, Rows.Element) -> Bool
    ) throws -> Bool {
        let tableColumns = Set(try db.columns(in: table).map(\.name))
        guard columns.allSatisfy(tableColumns.contains) else { return false }
        let sql = "SELECT \(columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")) FROM \(table)"
            + (orderedBy.map { " ORDER BY \($0)" } ?? "")
        let statement = try db.makeStatement(sql: sql)
        let sqlite = statement.sqliteStatement
        var remaining = rows.makeIterator()
        while try statement.stepRow(db) {
            guard let row = remaining.next(), matches(sqlite, row) else { return false }
        }
        return remaining.next() == nil
    }

    /// True when `session_skill` holds exactly the recomputed rows, in the table's order: the
    /// rows (by far the most numerous) matched field by field from the projector's compact
    /// rows, without building a string or a column value.
    static func storedSessionRows(_ projector: SessionSkillProjector, _ db: Database) throws -> Bool {
        let names = projector.vocabulary
        // A fold that let rows go (a rebuild) compared them itself; never here.
        guard projector.releasedCount == 0 else { return false }
        guard projector.rowCount > 0 else { return try storedRows(of: "session_skill", equal: [ColumnValues](), db) }
        return try storedRows(
            of: "session_skill", columns: SessionSkillProjector.columns, orderedBy: nil, equal: projector.entries, db
        ) { sqlite, row in
            stored(sqlite, isSessionRow: row, names)
        }
    }

    /// True when the statement's current row (the columns of ``SessionSkillProjector/columns``,
    /// in that order) holds exactly `row`, read in place: texts by their bytes, the total by
    /// its bit pattern.
    private static func stored(_ sqlite: OpaquePointer, isSessionRow row: SessionSkillProjector.Entry, _ names: FoldVocabulary) -> Bool {
        names.withBytes(of: row.session) { stored(sqlite, 0, isText: $0) }
            && names.withBytes(of: row.skill) { stored(sqlite, 1, isText: $0) }
            && stored(sqlite, 2, isInteger: Int64(row.invocationCount))
            && names.withBytes(of: row.firstInvokedAt) { stored(sqlite, 3, isText: $0) }
            && names.withBytes(of: row.lastInvokedAt) { stored(sqlite, 4, isText: $0) }
            && stored(sqlite, 5, isReal: row.totalDurationSeconds)
            && stored(sqlite, 6, isInteger: row.firstSeq) && stored(sqlite, 7, isInteger: row.lastSeq)
    }

    /// Column `index` of the statement's current row as a value, text with every one of its
    /// bytes (GRDB's `DatabaseValue(sqliteStatement:index:)` reads text up to its first NUL
    /// byte, so a stored text with a NUL and more after it would compare equal to the text
    /// before the NUL).
    private static func storedValue(_ sqlite: OpaquePointer, _ index: CInt) -> DatabaseValue {
        guard let bytes = ColumnText.bytes(sqlite, index) else {
            return DatabaseValue(sqliteStatement: sqlite, index: index)
        }
        return String(decoding: bytes, as: UTF8.self).databaseValue
    }

    private static func stored(_ sqlite: OpaquePointer, _ index: CInt, isInteger value: Int64) -> Bool {
        sqlite3_column_type(sqlite, index) == SQLITE_INTEGER && sqlite3_column_int64(sqlite, index) == value
    }

    private static func stored(_ sqlite: OpaquePointer, _ index: CInt, isReal value: Double) -> Bool {
        sqlite3_column_type(sqlite, index) == SQLITE_FLOAT
            && sqlite3_column_double(sqlite, index).bitPattern == value.bitPattern
    }

    private static func stored(_ sqlite: OpaquePointer, _ index: CInt, isText value: String) -> Bool {
        var utf8 = value
        return utf8.withUTF8 { stored(sqlite, index, isText: $0) }
    }

    /// True when column `index` is text whose UTF-8 bytes are exactly `expected`.
    private static func stored(_ sqlite: OpaquePointer, _ index: CInt, isText expected: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let bytes = ColumnText.bytes(sqlite, index), expected.count == bytes.count else { return false }
        guard let stored = bytes.baseAddress, let wanted = expected.baseAddress else { return bytes.isEmpty }
        return memcmp(wanted, stored, bytes.count) == 0
    }

    /// Compares `expected` (rows with the same columns, keys unique) with the stored rows of
    /// `table`, in one pass over the table: the expected rows are indexed by key, each stored
    /// row is read once (straight from the statement) and compared column by column. The
    /// differences come in the order of the expected rows (missing rows included), then the
    /// stored rows that should not exist, in the table's order.
    static func compareByKey(
        _ table: String, keyColumns: [String], expected: [ColumnValues],
        db: Database, into differences: inout [ProjectionDifference]
    ) throws {
        func keyText(_ value: DatabaseValue) -> String {
            if case .string(let text) = value.storage { return text }
            return ProjectionDifference.render(value)
        }
        // Nothing expected: the key columns are enough to list every stored row as one too many.
        let columns = expected.first?.map(\.column) ?? keyColumns
        let keyOffsets = keyColumns.map { column in columns.firstIndex(of: column) }
        func key(_ values: ColumnValues) -> [String] {
            keyOffsets.map { offset in offset.map { keyText(values[$0].value) } ?? "NULL" }
        }
        // Keys match by their bytes, as the tables' primary keys do (``ExactText``).
        func exact(_ key: [String]) -> [ExactText] { key.map(ExactText.init) }
        var positions: [[ExactText]: Int] = [:]
        positions.reserveCapacity(expected.count)
        for (position, row) in expected.enumerated() {
            let rowKey = exact(key(row))
            if positions[rowKey] == nil { positions[rowKey] = position }
        }
        func storedKey(_ sqlite: OpaquePointer) -> [String] {
            keyOffsets.map { offset in offset.map { keyText(storedValue(sqlite, CInt($0))) } ?? "NULL" }
        }
        // Only the key columns are decoded up front; the others are compared in place.
        differences += try compareRows(
            table, columns: columns, expectedCount: expected.count, db,
            lookup: { sqlite in positions[exact(storedKey(sqlite))].map(KeyLookup.expected) ?? .extra },
            storedKey: storedKey,
            rowDifferences: { sqlite, position in
                fieldDifferences(sqlite, columnCount: columns.count, expected: expected[position], table: table, key: storedKey(sqlite))
            },
            missingKey: { key(expected[$0]) }) ?? []
    }

    /// Where a stored row's key leads: to the expected row at a position, to no expected row,
    /// or to a comparison that cannot go on (its caller then compares otherwise).
    private enum KeyLookup {
        case expected(Int)
        case extra
        case undecidable
    }

    /// One pass over the stored rows of `table` (its `columns` in this order, NULL for a column
    /// it lacks), each matched by `lookup` to one of `expectedCount` expected rows and compared by
    /// `rowDifferences`: the differences in the order of the expected rows (a row never stored
    /// is `(row)` missing, named by `missingKey`), then the stored rows that should not exist,
    /// each key once, in the table's order (named by `storedKey`). A key stored twice (no
    /// primary key): the last row counts, as a lookup would find it. Nil when `lookup` found a
    /// row it cannot decide.
    private static func compareRows(
        _ table: String, columns: [String], expectedCount: Int, _ db: Database,
        lookup: (OpaquePointer) -> KeyLookup, storedKey: (OpaquePointer) -> [String],
        rowDifferences: (OpaquePointer, Int) -> [ProjectionDifference], missingKey: (Int) -> [String]
    ) throws -> [ProjectionDifference]? {
        // A column the table lacks reads as NULL (a difference, not an error).
        let stored = Set(try db.columns(in: table).map(\.name))
        let selected = columns.map { stored.contains($0) ? $0.quotedDatabaseIdentifier : "NULL" }
        let statement = try db.makeStatement(sql: "SELECT \(selected.joined(separator: ", ")) FROM \(table)")
        let sqlite = statement.sqliteStatement
        var found = [Bool](repeating: false, count: expectedCount)
        var differencesByRow: [Int: [ProjectionDifference]] = [:]
        var extra: [ProjectionDifference] = []
        var extraKeys = Set<[ExactText]>()
        while try statement.stepRow(db) {
            switch lookup(sqlite) {
            case .undecidable:
                return nil
            case .extra:
                let key = storedKey(sqlite)
                if extraKeys.insert(key.map(ExactText.init)).inserted {
                    extra.append(ProjectionDifference(
                        table: table, key: key, field: "(row)", stored: "(present)", recomputed: "(missing)"))
                }
            case .expected(let position):
                found[position] = true
                let rowDifference = rowDifferences(sqlite, position)
                differencesByRow[position] = rowDifference.isEmpty ? nil : rowDifference
            }
        }
        var differences: [ProjectionDifference] = []
        for position in found.indices {
            guard found[position] else {
                differences.append(ProjectionDifference(
                    table: table, key: missingKey(position), field: "(row)", stored: "(missing)", recomputed: "(present)"))
                continue
            }
            differences += differencesByRow[position] ?? []
        }
        return differences + extra
    }
}

extension ProjectionComparison {
    /// The differences between the statement's current row (its first `columnCount` columns
    /// in the order of `expected`) and `expected`, field by field, as ``compareByKey(_:keyColumns:expected:db:into:)``
    /// names them.
    fileprivate static func fieldDifferences(
        _ sqlite: OpaquePointer, columnCount: Int, expected: ColumnValues, table: String, key: @autoclosure () -> [String]
    ) -> [ProjectionDifference] {
        var differences: [ProjectionDifference] = []
        for (index, entry) in expected.enumerated() {
            if index < columnCount, stored(sqlite, CInt(index), isIdenticalTo: entry.value) { continue }
            let storedValue = index < columnCount ? Self.storedValue(sqlite, CInt(index)) : .null
            if !ProjectionDifference.identical(storedValue, entry.value) {
                differences.append(ProjectionDifference(
                    table: table, key: key(), field: entry.column,
                    stored: ProjectionDifference.render(storedValue),
                    recomputed: ProjectionDifference.render(entry.value)))
            }
        }
        return differences
    }

    /// ``compareByKey(_:keyColumns:expected:db:into:)`` for `session_skill`, with the same
    /// differences in the same order, found through the projector's own index of its pairs
    /// (``SessionSkillProjector/position(session:skill:)``) instead of a table of every
    /// recomputed row as column values: a stored row that equals its pair is matched in place,
    /// and a row's values are made only for a row that differs. (The generic comparison held
    /// ~760 bytes a pair: 554 MB for a 1M-event log with 729k pairs.) A stored key that is
    /// not text in both columns is compared by the generic one. Never called for a fold that
    /// let rows go (``verify(_:progress:)`` folds again holding every row first).
    static func compareSessionRowsByKey(
        _ projector: SessionSkillProjector, _ db: Database, into differences: inout [ProjectionDifference]
    ) throws {
        let table = "session_skill"
        let keyColumns = ["session_id", "skill_name"]
        func generic() throws {
            try compareByKey(
                table, keyColumns: keyColumns, expected: Array(projector.lazyRows.map(\.databaseValues)), db: db,
                into: &differences)
        }
        guard projector.releasedCount == 0 else {
            throw SkillMetricsError.invalidInput(
                location: "session_skill", reason: "the fold no longer holds every row to compare (internal error)")
        }
        guard projector.rowCount > 0 else { return try generic() }
        let columns = SessionSkillProjector.columns
        let names = projector.vocabulary
        let stored = Set(try db.columns(in: table).map(\.name))
        guard keyColumns.allSatisfy(stored.contains) else { return try generic() }
        // The key as the generic comparison names it (only for a row that differs).
        func storedKey(_ sqlite: OpaquePointer) -> [String] {
            (0..<2).map { Self.storedValue(sqlite, $0) }.map { value in
                if case .string(let text) = value.storage { return text }
                return ProjectionDifference.render(value)
            }
        }
        let compared = try compareRows(
            table, columns: columns, expectedCount: projector.rowCount, db,
            lookup: { sqlite in
                guard let session = ColumnText.bytes(sqlite, 0), let skill = ColumnText.bytes(sqlite, 1) else { return .undecidable }
                return projector.position(session: session, skill: skill).map(KeyLookup.expected) ?? .extra
            },
            storedKey: storedKey,
            rowDifferences: { sqlite, position in
                if Self.stored(sqlite, isSessionRow: projector.entries[position], names) { return [] }
                return fieldDifferences(
                    sqlite, columnCount: columns.count, expected: projector.row(at: position).databaseValues,
                    table: table, key: storedKey(sqlite))
            },
            missingKey: { position in
                let row = projector.row(at: position)
                return [row.sessionID, row.skillName]
            })
        guard let compared else { return try generic() }
        differences += compared
    }
}

extension SkillKeyCountRow.Field {
    /// The field's rank in SQLite's BINARY order of the stored names.
    fileprivate var storedOrder: Int {
        switch self {
        case .commonErrors: return 0
        case .followUpActions: return 1
        case .workflowPaths: return 2
        }
    }
}
