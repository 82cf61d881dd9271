import GRDB

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

    private static func compareTable(
        _ table: String, keyColumns: [String],
        expected: [[(column: String, value: DatabaseValue)]],
        db: Database, into differences: inout [ProjectionDifference]
    ) throws {
        func key(of values: [String: DatabaseValue]) -> [String] {
            keyColumns.map { column in
                if case .string(let text)? = values[column]?.storage { return text }
                return values[column].map(ProjectionDifference.render) ?? "NULL"
            }
        }
        var stored: [[String]: [String: DatabaseValue]] = [:]
        var storedOrder: [[String]] = []
        let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM \(table)")
        while let row = try cursor.next() {
            var values: [String: DatabaseValue] = [:]
            for (column, value) in row { values[column] = value }
            let rowKey = key(of: values)
            if stored[rowKey] == nil { storedOrder.append(rowKey) }
            stored[rowKey] = values
        }
        var seen = Set<[String]>()
        for expectedRow in expected {
            let expectedValues = Dictionary(expectedRow.map { ($0.column, $0.value) }, uniquingKeysWith: { a, _ in a })
            let rowKey = key(of: expectedValues)
            seen.insert(rowKey)
            guard let storedValues = stored[rowKey] else {
                differences.append(ProjectionDifference(
                    table: table, key: rowKey, field: "(row)", stored: "(missing)", recomputed: "(present)"))
                continue
            }
            for (column, value) in expectedRow {
                let storedValue = storedValues[column] ?? .null
                if !ProjectionDifference.identical(storedValue, value) {
                    differences.append(ProjectionDifference(
                        table: table, key: rowKey, field: column,
                        stored: ProjectionDifference.render(storedValue),
                        recomputed: ProjectionDifference.render(value)))
                }
            }
        }
        for rowKey in storedOrder where !seen.contains(rowKey) {
            differences.append(ProjectionDifference(
                table: table, key: rowKey, field: "(row)", stored: "(present)", recomputed: "(missing)"))
        }
    }
}
