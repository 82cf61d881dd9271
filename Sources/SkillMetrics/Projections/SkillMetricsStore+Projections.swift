import GRDB
import Foundation
import GRDBSQLite

extension SkillMetricsStore {
    /// What a rebuild did.
    public struct RebuildResult: Sendable, Equatable {
        public var events: Int
        public var skills: Int
        public var sessionSkills: Int
    }

    /// Recomputes both projections from the log with the Swift projectors and replaces the
    /// stored ones in one transaction.
    ///
    /// Most of the log is folded on a read snapshot, so writers are not blocked meanwhile;
    /// the events appended since are folded inside the write transaction that swaps the
    /// tables. Readers see the old projections until that transaction commits, and a crash
    /// before the commit leaves the old projections in place.
    @discardableResult
    public func rebuild(progress: ((Int) -> Void)? = nil) throws -> RebuildResult {
        var projections = try read { db in
            var projections = ProjectionSet()
            try projections.fold(db, progress: progress)
            return projections
        }
        return try write { db in
            try projections.fold(db)
            try projections.write(to: db)
            return RebuildResult(
                events: projections.eventCount,
                skills: projections.skillMetrics.rows.count,
                sessionSkills: projections.sessionSkills.rows.count)
        }
    }

    /// What a verification found.
    public struct VerifyResult: Sendable, Equatable {
        /// Events folded.
        public var events: Int
        public var skills: Int
        public var sessionSkills: Int
        /// Every disagreement; empty when triggers and projectors agree bit for bit.
        public var differences: [ProjectionDifference]
        public var isConsistent: Bool { differences.isEmpty }
    }

    /// Recomputes the projections on one read snapshot and compares them with the stored
    /// tables, every column, bit for bit.
    public func verify(progress: ((Int) -> Void)? = nil) throws -> VerifyResult {
        try read { db in
            var projections = ProjectionSet()
            try projections.fold(db, progress: progress)
            return try Self.compare(projections, with: db)
        }
    }

    static func compare(_ projections: ProjectionSet, with db: Database) throws -> VerifyResult {
        var differences: [ProjectionDifference] = []
        let skillRows = projections.skillMetrics.rows
        let sessionRows = projections.sessionSkills.rows
        // The tables of the database's schema: V5's skill_totals and skill_key_count, or the
        // skill_metrics table (with the V2 columns when it has them); the search table from V2 on.
        let schema = try ProjectionSchema.of(db)
        // The legacy columns, as every reader sees them: the V4 table, or V5's view.
        try compareTable(
            "skill_metrics", keyColumns: ["skill_name"],
            expected: skillRows.map { $0.databaseValues(percentiles: schema.hasPercentiles) }, db: db,
            into: &differences)
        if schema.hasKeyCountRows {
            // V5's count rows: the differences the view does not already show (a first_seq or
            // first_index that leaves the dictionary's order unchanged), naming skill, field and key.
            let shown = Set(differences.compactMap { difference -> [String]? in
                guard let skill = difference.key.first else { return nil }
                return [skill, difference.field]
            })
            var keyDifferences: [ProjectionDifference] = []
            try compareTable(
                "skill_key_count", keyColumns: ["skill_name", "field", "key"],
                expected: projections.skillMetrics.keyCountRows.map(\.databaseValues), db: db,
                into: &keyDifferences)
            differences += keyDifferences.filter { difference in
                difference.key.count < 2
                    || !(shown.contains([difference.key[0], difference.key[1]]) || shown.contains([difference.key[0], "(row)"]))
            }
            // Columns of skill_totals the view does not show: none besides the trigger's cache.
        }
        try compareTable(
            "session_skill", keyColumns: ["session_id", "skill_name"],
            expected: sessionRows.map(\.databaseValues), db: db, into: &differences)
        if schema.hasWorkflowPaths {
            try compareTable(
                "skill_workflow_path", keyColumns: ["skill_name", "workflow_path"],
                expected: projections.workflowPaths.rows.map(\.databaseValues), db: db, into: &differences)
        }
        return VerifyResult(
            events: projections.eventCount, skills: skillRows.count,
            sessionSkills: sessionRows.count, differences: differences)
    }

    /// True when column `index` of the statement's current row holds exactly `value` (as
    /// ``ProjectionDifference/identical(_:_:)`` compares), read in place without building a value.
    private static func stored(_ sqlite: OpaquePointer, _ index: CInt, isIdenticalTo value: DatabaseValue) -> Bool {
        let type = sqlite3_column_type(sqlite, index)
        switch value.storage {
        case .null: return type == SQLITE_NULL
        case .int64(let integer): return type == SQLITE_INTEGER && sqlite3_column_int64(sqlite, index) == integer
        case .double(let double):
            return type == SQLITE_FLOAT && sqlite3_column_double(sqlite, index).bitPattern == double.bitPattern
        case .string(let text):
            guard type == SQLITE_TEXT, let bytes = sqlite3_column_text(sqlite, index) else { return false }
            let count = Int(sqlite3_column_bytes(sqlite, index))
            var utf8 = text
            return utf8.withUTF8 { expected in
                expected.count == count
                    && (count == 0 || expected.baseAddress.map { memcmp($0, bytes, count) == 0 } == true)
            }
        case .blob: return false  // compared through DatabaseValue
        }
    }

    /// Compares `expected` (rows with the same columns, keys unique) with the stored rows of
    /// `table`, in one pass over the table: the expected rows are indexed by key, each stored
    /// row is read once (straight from the statement) and compared column by column. The
    /// differences come in the order of the expected rows (missing rows included), then the
    /// stored rows that should not exist, in the table's order.
    private static func compareTable(
        _ table: String, keyColumns: [String],
        expected: [[(column: String, value: DatabaseValue)]],
        db: Database, into differences: inout [ProjectionDifference]
    ) throws {
        func keyText(_ value: DatabaseValue) -> String {
            if case .string(let text) = value.storage { return text }
            return ProjectionDifference.render(value)
        }
        // Nothing expected: the key columns are enough to list every stored row as one too many.
        let columns = expected.first?.map(\.column) ?? keyColumns
        let keyOffsets = keyColumns.map { column in columns.firstIndex(of: column) }
        func key(_ values: [(column: String, value: DatabaseValue)]) -> [String] {
            keyOffsets.map { offset in offset.map { keyText(values[$0].value) } ?? "NULL" }
        }
        var positions: [[String]: Int] = [:]
        positions.reserveCapacity(expected.count)
        for (position, row) in expected.enumerated() {
            let rowKey = key(row)
            if positions[rowKey] == nil { positions[rowKey] = position }
        }
        // A column the table lacks reads as NULL (a difference, not an error).
        let stored = Set(try db.columns(in: table).map(\.name))
        let selected = columns.map { stored.contains($0) ? $0.quotedDatabaseIdentifier : "NULL" }
        let statement = try db.makeStatement(sql: "SELECT \(selected.joined(separator: ", ")) FROM \(table)")
        let sqlite = statement.sqliteStatement
        var found = [Bool](repeating: false, count: expected.count)
        var rowDifferences: [Int: [ProjectionDifference]] = [:]
        var extra: [ProjectionDifference] = []
        var extraKeys = Set<[String]>()
        let values = columns  // the selected columns, in order
        while true {
            let code = sqlite3_step(sqlite)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
            }
            // Only the key columns are decoded up front; the others are compared in place.
            let rowKey = keyOffsets.map { offset in
                offset.map { keyText(DatabaseValue(sqliteStatement: sqlite, index: CInt($0))) } ?? "NULL"
            }
            guard let position = positions[rowKey] else {
                if extraKeys.insert(rowKey).inserted {
                    extra.append(ProjectionDifference(
                        table: table, key: rowKey, field: "(row)", stored: "(present)", recomputed: "(missing)"))
                }
                continue
            }
            found[position] = true
            var rowDifference: [ProjectionDifference] = []
            for (index, entry) in expected[position].enumerated() {
                if index < values.count, Self.stored(sqlite, CInt(index), isIdenticalTo: entry.value) { continue }
                let storedValue = index < values.count ? DatabaseValue(sqliteStatement: sqlite, index: CInt(index)) : .null
                if !ProjectionDifference.identical(storedValue, entry.value) {
                    rowDifference.append(ProjectionDifference(
                        table: table, key: rowKey, field: entry.column,
                        stored: ProjectionDifference.render(storedValue),
                        recomputed: ProjectionDifference.render(entry.value)))
                }
            }
            // A key stored twice (no primary key): the last row counts, as a lookup would find it.
            rowDifferences[position] = rowDifference.isEmpty ? nil : rowDifference
        }
        for (position, row) in expected.enumerated() {
            guard found[position] else {
                differences.append(ProjectionDifference(
                    table: table, key: key(row), field: "(row)", stored: "(missing)", recomputed: "(present)"))
                continue
            }
            differences += rowDifferences[position] ?? []
        }
        differences += extra
    }
}
