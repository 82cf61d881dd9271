/// Public entry to the migration file rules, for schemas kept outside the core (the
/// PostgreSQL team log in `SkillMetricsPostgres` reads `Schemas/postgres` with the same rules).
extension Migration {
    /// Builds the ordered migration list from `(file name, bytes)` pairs with the runner's rules:
    /// `V<n>__…sql` / `U<n>__…sql` names, numeric order, one file per version and kind, an undo
    /// file only beside its forward file, SHA-256 checksums of the LF-normalised bytes.
    public static func parse(files: [(name: String, bytes: [UInt8])]) throws(SkillMetricsError) -> [Migration] {
        try migrations(from: files)
    }
}
