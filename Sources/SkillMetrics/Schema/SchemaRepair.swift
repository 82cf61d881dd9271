import GRDB

/// Restores the indexes, triggers and views that a file's recorded migrations create, where
/// the file lacks them or holds other definitions (a hand edit, a foreign client's
/// `DROP TRIGGER`, a half-restored copy).
///
/// The expected objects are the ones ``SchemaConformance`` compares with: those of a fresh
/// database migrated to the file's recorded version, re-created from their migration text.
/// Tables are never touched (rows live there): a missing or changed one makes the repair throw
/// ``SkillMetricsError/schemaMismatch(path:differences:)`` naming it before anything is
/// restored. Objects that no migration creates are left alone and stay findings of `verify`
/// and `health`. Everything runs in one write transaction, so a failure (a UNIQUE
/// index that the rows no longer satisfy, say) restores nothing and names the object.
///
/// A projection trigger that was missing let events in without updating the projections: run
/// a rebuild after a repair (the `rebuild` command does both).
public struct SchemaRepair: Sendable {
    /// The store whose schema is repaired.
    public let store: SkillMetricsStore

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// Re-creates every missing or changed index, trigger and view, and returns what it
    /// restored (missing or changed, as found), in the order restored; empty when the schema
    /// already had them all.
    public func run() throws -> [SchemaDifference] {
        let conformance = SchemaConformance(runner: store.migrationRunner)
        return try store.write { db in
            var differences = try conformance.differences(db)
            // A missing or changed table is not repaired, and the objects on it cannot be:
            // refused before anything is touched, naming the tables.
            let tables = differences.filter(\.isTableLoss)
            if !tables.isEmpty { throw SkillMetricsError.schemaMismatch(path: store.path, differences: tables) }
            let statements = try conformance.expectedStatements(version: try store.migrationRunner.currentVersion(db))
            var restored: [SchemaDifference] = []
            // Dropping a changed view drops the triggers on it too: a second pass restores them.
            for _ in 0..<3 {
                let restorable = differences.filter(\.isRestorable)
                if restorable.isEmpty { break }
                let wanted = Set(restorable.map { "\($0.kind) \($0.name)" })
                for difference in restorable where difference.problem != .missing {
                    try db.execute(sql: "DROP \(difference.kind.uppercased()) IF EXISTS \(difference.name.quotedDatabaseIdentifier)")
                }
                for statement in statements where wanted.contains("\(statement.kind) \(statement.name)") {
                    do {
                        try db.execute(sql: statement.sql)
                    } catch let error as DatabaseError {
                        throw SkillMetricsError.database(
                            operation: "restoring \(statement.kind) \(statement.name) (nothing was changed)",
                            message: error.message ?? "\(error)")
                    }
                }
                restored += restorable
                differences = try conformance.differences(db)
            }
            return restored
        }
    }
}
