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

    static func of(_ db: Database) throws -> ProjectionSchema {
        let names = Set(try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master
            WHERE name IN ('skill_totals', 'skill_key_count', 'skill_workflow_path', 'skill_workflow_path_fts',
                           'skill_workflow_path_index')
            """))
        return ProjectionSchema(
            hasPercentiles: try ProjectionSet.hasPercentileColumns(db),
            hasKeyCountRows: names.contains("skill_totals") && names.contains("skill_key_count"),
            hasWorkflowPaths: names.contains("skill_workflow_path"),
            hasStoredSearchIndex: names.contains("skill_workflow_path_fts"),
            indexesWorkflowPathsOnInsert: names.contains("skill_workflow_path_index"))
    }
}
