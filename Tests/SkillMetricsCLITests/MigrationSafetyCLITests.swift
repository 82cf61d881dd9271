import Foundation
import Testing

/// Acceptance 4: an edited applied migration is refused by name; a failing migration changes nothing.
@Suite("Migration safety (CLI)")
struct MigrationSafetyCLITests {
    /// A copy of Schemas/migrations to edit.
    func copyMigrations(into directory: Scratch) throws -> String {
        let target = directory.file("migrations")
        try FileManager.default.copyItem(atPath: Repository.migrations, toPath: target)
        return target
    }

    @Test func editedAppliedMigrationIsRefusedByName() throws {
        let directory = Scratch()
        let migrations = try copyMigrations(into: directory)
        let db = directory.file("m.db")
        #expect(try CLI.run(["migrate", "--db", db, "--migrations-dir", migrations]).status == 0)
        #expect(try CLI.run(["append", "--db", db, "--migrations-dir", migrations, "--skill", "s"]).status == 0)
        let file = (migrations as NSString).appendingPathComponent("V1__initial_schema.sql")
        let handle = try #require(FileHandle(forWritingAtPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\n-- an innocent-looking edit\n".utf8))
        try handle.close()

        let migrate = try CLI.run(["migrate", "--db", db, "--migrations-dir", migrations])
        #expect(migrate.status != 0)
        #expect(migrate.stderr.contains("V1__initial_schema.sql"))
        let validate = try CLI.run(["migrate", "validate", "--db", db, "--migrations-dir", migrations])
        #expect(validate.status == 1)
        #expect(validate.stdout.contains("V1__initial_schema.sql"))
        let status = try CLI.run(["migrate", "status", "--db", db, "--migrations-dir", migrations])
        #expect(status.stdout.contains("changed"))
        // Other commands refuse too, and the embedded copy (unchanged) still validates.
        #expect(try CLI.run(["append", "--db", db, "--migrations-dir", migrations, "--skill", "s"]).status == 2)
        #expect(try CLI.run(["migrate", "validate", "--db", db]).status == 0)
    }

    @Test func migrationWithAnSQLErrorLeavesSchemaAndRowsUnchanged() throws {
        let directory = Scratch()
        let migrations = try copyMigrations(into: directory)
        let db = directory.file("m.db")
        let input = directory.file("events.jsonl")
        try jsonlEvents(prefix: "m", count: 50).write(toFile: input, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["append", "--db", db, "--migrations-dir", migrations, "--jsonl", input]).status == 0)
        #expect(try CLI.run(["audit", "checkpoint", "--db", db, "--migrations-dir", migrations]).status == 0)
        let schemaBefore = try SQLiteShell.run(db, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name;")
        let dumpBefore = try SQLiteShell.run(db, ".dump")

        try """
            -- A migration that does real work and then fails.
            CREATE TABLE partial_work (x INTEGER);
            INSERT INTO skill_invocation (id, skill_name, invoked_at, completed)
                VALUES ('from-migration', 's', '2026-01-01T00:00:00.000000Z', 1);
            DROP TABLE session_skill;
            ALTER TABLE skill_metrics ADD COLUMN extra REAL;
            SELECT no_such_function(1);
            """.write(toFile: (migrations as NSString).appendingPathComponent("V99__broken.sql"), atomically: true, encoding: .utf8)
        let migrate = try CLI.run(["migrate", "--db", db, "--migrations-dir", migrations])
        #expect(migrate.status == 2)
        #expect(migrate.stderr.contains("V99__broken.sql"))
        #expect(try SQLiteShell.run(db, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name;") == schemaBefore)
        #expect(try SQLiteShell.run(db, ".dump") == dumpBefore)
        #expect(try SQLiteShell.value(db, "SELECT max(version) FROM schema_migrations;") != "99")
        // Without the broken file, the database is as good as before.
        try FileManager.default.removeItem(atPath: (migrations as NSString).appendingPathComponent("V99__broken.sql"))
        #expect(try CLI.run(["verify", "--db", db, "--migrations-dir", migrations]).status == 0)
        #expect(try CLI.run(["audit", "verify", "--db", db, "--migrations-dir", migrations]).status == 0)
    }

    /// A COMMIT inside a migration file would commit its first half; the runner refuses it.
    @Test func migrationThatTriesToCommitItsOwnWorkChangesNothing() throws {
        let directory = Scratch()
        let migrations = try copyMigrations(into: directory)
        let db = directory.file("m.db")
        #expect(try CLI.run(["append", "--db", db, "--migrations-dir", migrations, "--skill", "s"]).status == 0)
        let dumpBefore = try SQLiteShell.run(db, ".dump")
        for control in ["COMMIT;", "/* sneaky */ END TRANSACTION;", "ROLLBACK;", "SAVEPOINT s1;", "BEGIN;"] {
            try """
                CREATE TABLE half_done (x INTEGER);
                INSERT INTO half_done VALUES (1);
                \(control)
                SELECT no_such_function(1);
                """.write(toFile: (migrations as NSString).appendingPathComponent("V98__commits.sql"), atomically: true, encoding: .utf8)
            let migrate = try CLI.run(["migrate", "--db", db, "--migrations-dir", migrations])
            #expect(migrate.status == 2, "\(control)")
            #expect(migrate.stderr.contains("V98__commits.sql"), "\(control): \(migrate.stderr)")
            #expect(try SQLiteShell.run(db, ".dump") == dumpBefore, "\(control) left work behind")
        }
    }

    @Test func outOfOrderVersionIsRefused() throws {
        let directory = Scratch()
        let migrations = try copyMigrations(into: directory)
        let db = directory.file("m.db")
        try "CREATE TABLE later_table (x INTEGER);\n".write(
            toFile: (migrations as NSString).appendingPathComponent("V60__later.sql"), atomically: true, encoding: .utf8)
        #expect(try CLI.run(["migrate", "--db", db, "--migrations-dir", migrations]).status == 0)
        try "CREATE TABLE earlier_table (x INTEGER);\n".write(
            toFile: (migrations as NSString).appendingPathComponent("V50__earlier.sql"), atomically: true, encoding: .utf8)
        let migrate = try CLI.run(["migrate", "--db", db, "--migrations-dir", migrations])
        #expect(migrate.status != 0)
        #expect(migrate.stderr.contains("V50__earlier.sql"))
        let validate = try CLI.run(["migrate", "validate", "--db", db, "--migrations-dir", migrations])
        #expect(validate.status == 1)
        #expect(validate.stdout.contains("V50"))
        #expect(try SQLiteShell.value(db, "SELECT count(*) FROM sqlite_master WHERE name = 'earlier_table';") == "0")
    }

    @Test func statusShowsVersionStateChecksumAndTime() throws {
        let directory = Scratch()
        let db = directory.file("m.db")
        #expect(try CLI.run(["migrate", "--db", db]).status == 0)
        let status = try CLI.run(["migrate", "status", "--db", db, "--json"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("\"version\": 5"))
        #expect(status.stdout.contains("\"state\": \"applied\""))
        #expect(status.stdout.contains("\"applied_at\": \"20"))
    }
}
