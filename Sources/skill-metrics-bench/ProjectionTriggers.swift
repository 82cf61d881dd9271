import GRDB
import SkillMetrics

/// The projection triggers of `skill_invocation` (those named `…project…`): what a foreign
/// client's plain INSERT pays for the live projections. The benchmark drops them on scratch
/// databases only, to measure that cost and to build its large logs quickly.
enum ProjectionTriggers {
    /// Drops the projection triggers; returns their names and `CREATE TRIGGER` texts.
    static func drop(_ store: SkillMetricsStore) throws -> [(name: String, sql: String)] {
        try store.write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT name, sql FROM sqlite_master
                WHERE type = 'trigger' AND tbl_name = 'skill_invocation' AND name LIKE '%project%'
                ORDER BY name
                """)
            var triggers: [(name: String, sql: String)] = []
            for row in rows {
                let name: String = try row.decode(String.self, forColumn: "name")
                let sql: String = try row.decode(String.self, forColumn: "sql")
                triggers.append((name, sql))
            }
            guard !triggers.isEmpty else { throw BenchError("no projection triggers (named …project…) on skill_invocation") }
            for trigger in triggers {
                try db.execute(sql: "DROP TRIGGER \(trigger.name.quotedDatabaseIdentifier)")
            }
            return triggers
        }
    }

    /// Re-creates triggers dropped by ``drop(_:)``.
    static func create(_ triggers: [(name: String, sql: String)], in store: SkillMetricsStore) throws {
        try store.write { db in
            for trigger in triggers { try db.execute(sql: trigger.sql) }
        }
    }
}
