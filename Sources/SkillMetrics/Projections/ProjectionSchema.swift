import GRDB

/// Which projection tables a database's schema has (the projectors write and verify the
/// tables of the schema they find: V1, V2–V4, or V5).
struct ProjectionSchema: Sendable, Equatable {
    /// `skill_metrics` has the schema V2 percentile columns (a table up to V4, the view in V5).
    var hasPercentiles: Bool
    /// Schema V5: `skill_totals` and `skill_key_count` hold the projection, `skill_metrics` is a view.
    var hasKeyCountRows: Bool
    /// Schema V2 and later: the search table `skill_workflow_path`.
    var hasWorkflowPaths: Bool
    /// Schemas V2–V9: the stored FTS5 index of `skill_workflow_path` (V10 builds it in memory
    /// per search instead).
    var hasStoredSearchIndex: Bool
    /// Schemas V5–V9: a trigger on `skill_workflow_path` writes the FTS row of each new pair.
    var indexesWorkflowPathsOnInsert: Bool
    /// Schema V11 and later: the `skill_metrics` view assembles `workflow_paths` from the
    /// `skill_workflow_path` rows (its text reads that table), so `skill_key_count` holds only
    /// `common_errors` and `follow_up_actions`.
    var viewReadsPathRows: Bool

    /// Schemas V5–V10: `skill_key_count` holds the `workflow_paths` keys too.
    var hasPathKeyCountRows: Bool { hasKeyCountRows && !viewReadsPathRows }

    static func of(_ db: Database) throws -> ProjectionSchema {
        // One read of sqlite_master: each object's name, and for the view whether it reads
        // the path rows.
        var names: Set<String> = []
        var viewReadsPathRows = false
        for row in try Row.fetchAll(db, sql: """
            SELECT name, type = 'view' AND instr(sql, 'FROM skill_workflow_path') > 0 FROM sqlite_master
            WHERE name IN ('skill_totals', 'skill_key_count', 'skill_workflow_path', 'skill_workflow_path_fts',
                           'skill_workflow_path_index', 'skill_metrics')
            """) {
            names.insert(try row.decode(String.self, atIndex: 0))
            viewReadsPathRows = try viewReadsPathRows || (row.decode(Bool?.self, atIndex: 1) ?? false)
        }
        return ProjectionSchema(
            hasPercentiles: try ProjectionSet.hasPercentileColumns(db),
            hasKeyCountRows: names.contains("skill_totals") && names.contains("skill_key_count"),
            hasWorkflowPaths: names.contains("skill_workflow_path"),
            hasStoredSearchIndex: names.contains("skill_workflow_path_fts"),
            indexesWorkflowPathsOnInsert: names.contains("skill_workflow_path_index"),
            viewReadsPathRows: viewReadsPathRows)
    }
}
