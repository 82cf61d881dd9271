import Foundation

/// Where migrations come from: the copy compiled into the binary, or a directory on disk.
public enum MigrationSource: Sendable, Equatable {
    /// `Schemas/migrations` as it was when the binary was built (no files needed at run time).
    case embedded
    /// A directory of `V<n>__*.sql` / `U<n>__*.sql` files.
    case directory(String)

    /// The migrations in version order.
    public func load() throws(SkillMetricsError) -> [Migration] {
        switch self {
        case .embedded:
            return try EmbeddedMigrations.migrations()
        case .directory(let path):
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw .fileAccess(path: path, reason: "cannot list the migrations directory")
            }
            var files: [(name: String, bytes: [UInt8])] = []
            for name in names.sorted() where name.hasSuffix(".sql") {
                let filePath = (path as NSString).appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: filePath) else {
                    throw .fileAccess(path: filePath, reason: "cannot read the migration file")
                }
                files.append((name, Array(data)))
            }
            return try Migration.migrations(from: files)
        }
    }
}

/// The migration files compiled into the library by the EmbedMigrations build plugin.
enum EmbeddedMigrations {
    static func migrations() throws(SkillMetricsError) -> [Migration] {
        var decoded: [(name: String, bytes: [UInt8])] = []
        for file in files {
            guard let data = Data(base64Encoded: file.base64) else {
                throw .migration(.invalidFileName("\(file.name) (embedded copy is corrupt)"))
            }
            decoded.append((file.name, Array(data)))
        }
        return try Migration.migrations(from: decoded)
    }
}
