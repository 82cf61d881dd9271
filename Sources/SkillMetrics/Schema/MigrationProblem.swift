/// Something wrong with the schema history of a database or with the migration files.
public enum MigrationProblem: Sendable, Equatable, CustomStringConvertible {
    /// A file in the migrations directory whose name is not `V<n>__<description>.sql` or
    /// `U<n>__<description>.sql`.
    case invalidFileName(String)
    /// Two files declare the same version.
    case duplicateVersion(Int, files: [String])
    /// An applied migration whose file changed since it was applied.
    case checksumMismatch(version: Int, file: String, applied: String, current: String)
    /// An applied migration with no file.
    case missingFile(version: Int, description: String)
    /// The database was migrated past every version this build knows (a newer release wrote it).
    case unknownVersion(version: Int, description: String)
    /// A pending migration whose version is lower than one already applied.
    case outOfOrder(version: Int, file: String, latestApplied: Int)
    /// A migration failed while applying or undoing; the database is as it was before it.
    case failed(version: Int, file: String, message: String)
    /// Undo asked for a version that has no `U<n>__*.sql` file.
    case noUndoFile(version: Int)
    /// A target version that does not exist.
    case unknownTarget(Int)

    public var description: String {
        switch self {
        case .invalidFileName(let name):
            "migration file \(name): name must be V<n>__<description>.sql or U<n>__<description>.sql"
        case .duplicateVersion(let version, let files):
            "migration version \(version) is declared by more than one file: \(files.joined(separator: ", "))"
        case .checksumMismatch(let version, let file, let applied, let current):
            "migration \(version) (\(file)) changed after it was applied: checksum \(current.prefix(16))… differs from the applied \(applied.prefix(16))…"
        case .missingFile(let version, let description):
            "migration \(version) (\(description)) is applied but its file is missing"
        case .unknownVersion(let version, let description):
            "migration \(version) (\(description)) is applied but unknown to this build (a newer release migrated this database)"
        case .outOfOrder(let version, let file, let latest):
            "migration \(version) (\(file)) is pending but version \(latest) is already applied: versions must be applied in order"
        case .failed(let version, let file, let message):
            "migration \(version) (\(file)) failed and was rolled back: \(message)"
        case .noUndoFile(let version):
            "migration \(version) has no undo file (U\(version)__*.sql)"
        case .unknownTarget(let version):
            "no migration with version \(version)"
        }
    }
}
