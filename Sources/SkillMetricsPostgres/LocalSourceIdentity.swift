import Foundation
import GRDB
import SkillMetrics

/// The UUID a local database is known by on the team log: created once, on its first push,
/// in the local table `sync_source` (schema V6), and kept.
public enum LocalSourceIdentity {
    /// The database's source id, created (in a write transaction) when it has none yet.
    public static func sourceID(of store: SkillMetricsStore) throws -> UUID {
        try store.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO sync_source (singleton, source_id) VALUES (1, ?)",
                arguments: [UUID().uuidString.lowercased()])
            guard let row = try Row.fetchOne(db, sql: "SELECT source_id FROM sync_source WHERE singleton = 1"),
                  let uuid = UUID(uuidString: try row.decode(String.self, atIndex: 0))
            else {
                throw SkillMetricsError.invalidInput(location: "sync_source", reason: "source_id is not a UUID")
            }
            return uuid
        }
    }
}
