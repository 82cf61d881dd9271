/// Public construction of differences, for verifications of projections stored outside
/// SQLite (the PostgreSQL team log reports its differences in the same shape).
extension ProjectionDifference {
    /// A difference: the table, the row's key, the field and both values rendered.
    public static func make(table: String, key: [String], field: String, stored: String, recomputed: String) -> ProjectionDifference {
        ProjectionDifference(table: table, key: key, field: field, stored: stored, recomputed: recomputed)
    }
}
