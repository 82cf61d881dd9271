import Foundation
import SkillMetrics

/// The PostgreSQL schema files (`Schemas/postgres`) compiled into the library.
enum EmbeddedMigrations {
    /// The migrations in version order.
    static func migrations() throws(SkillMetricsError) -> [Migration] {
        var decoded: [(name: String, bytes: [UInt8])] = []
        for file in files {
            guard let data = Data(base64Encoded: file.base64) else {
                throw .migration(.invalidFileName("\(file.name) (embedded copy is corrupt)"))
            }
            decoded.append((file.name, Array(data)))
        }
        return try Migration.parse(files: decoded)
    }
}
