import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// `KnownSchemaDigests` is a cache of what `SchemaConformance` would build: every entry must
/// be what the built-in migrations create, and a file that differs must still be compared in
/// full.
@Suite("Known schema digests")
struct KnownSchemaDigestsTests {
    @Test("every entry is recomputed from the built-in migrations, and there is one per version")
    func entriesMatchTheMigrations() throws {
        let conformance = SchemaConformance(runner: try MigrationRunner(source: .embedded))
        var computed: [String: String] = [:]
        var lines: [String] = []
        for version in 1...conformance.runner.latestVersion {
            let chain = SchemaConformance.digest(of: conformance.chainKey(version: version))
            let objects = SchemaConformance.digest(of: try conformance.expectedObjects(version: version))
            computed[chain] = objects
            lines.append("        // V\(version)\n        \"\(chain)\":\n            \"\(objects)\",")
        }
        #expect(KnownSchemaDigests.byMigrations == computed,
                "KnownSchemaDigests.byMigrations is stale; its entries are:\n\(lines.joined(separator: "\n"))")
    }

    @Test("a freshly migrated file matches its entry, and an altered one is compared in full")
    func alteredFilesAreComparedInFull() throws {
        let database = try TestDatabase()
        let conformance = SchemaConformance(runner: database.store.migrationRunner)
        let latest = conformance.runner.latestVersion
        let known = KnownSchemaDigests.byMigrations[SchemaConformance.digest(of: conformance.chainKey(version: latest))]
        let (actual, differences) = try database.store.read { db in
            (SchemaConformance.digest(of: try SchemaConformance.objects(db)), try conformance.differences(db))
        }
        #expect(known == actual)
        #expect(differences.isEmpty)
        for alteration in [
            "DROP TRIGGER skill_invocation_project",
            "CREATE INDEX user_index ON skill_invocation (error_type)",
            "DROP VIEW skill_metrics; CREATE VIEW skill_metrics AS SELECT 1 AS skill_name",
        ] {
            let queue = try DatabaseQueue(path: database.directory.file("altered-\(UUID().uuidString).db"))
            _ = try conformance.runner.migrate(queue)
            try queue.write { db in try db.execute(sql: alteration) }
            let found = try queue.read { db in try conformance.differences(db) }
            try queue.close()
            #expect(!found.isEmpty, "\(alteration): no difference found")
        }
    }

    @Test("the digest of a set of objects tells apart sets whose fields only regroup")
    func digestIsInjective() {
        typealias Object = SchemaConformance.SchemaObject
        let one = ["table a": Object(kind: "table", name: "a", table: "a", definition: "x;table;b;b;y")]
        let two = ["table a": Object(kind: "table", name: "a", table: "a", definition: "x"),
                   "table b": Object(kind: "table", name: "b", table: "b", definition: "y")]
        let moved = ["table a": Object(kind: "table", name: "a", table: "a", definition: "xy")]
        let split = ["table a": Object(kind: "table", name: "a", table: "a", definition: "x"),
                     "table b": Object(kind: "table", name: "b", table: "b", definition: "")]
        let digests = [one, two, moved, split].map { SchemaConformance.digest(of: $0) }
        #expect(Set(digests).count == 4)
    }
}
