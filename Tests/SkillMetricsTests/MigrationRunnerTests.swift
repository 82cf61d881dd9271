import Foundation
import GRDB
import Testing
@testable import SkillMetrics

@Suite("Migration runner")
struct MigrationRunnerTests {
    func directory(_ files: [String: String]) throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        for (name, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: directory.file(name)))
        }
        return directory
    }

    @Test("versions sort numerically: V10 after V9 after V2")
    func numericOrder() throws {
        let files = try directory([
            "V10__ten.sql": "CREATE TABLE ten (x);",
            "V2__two.sql": "CREATE TABLE two (x);",
            "V9__nine.sql": "CREATE TABLE nine (x);",
        ])
        let runner = try MigrationRunner(source: .directory(files.path))
        #expect(runner.migrations.map(\.version) == [2, 9, 10])
        let queue = try DatabaseQueue()
        #expect(try runner.migrate(queue) == [2, 9, 10])
        #expect(try queue.read { try runner.currentVersion($0) } == 10)
        #expect(try runner.migrate(queue).isEmpty)
    }

    @Test("the checksum is SHA-256 of the file with line endings normalised to LF")
    func checksumNormalisesLineEndings() {
        let lf = Migration.checksum(of: Array("a\nb\n".utf8))
        #expect(Migration.checksum(of: Array("a\r\nb\r\n".utf8)) == lf)
        #expect(Migration.checksum(of: Array("a\rb\r".utf8)) == lf)
        #expect(lf == "911169ddaaf146aff539f58c26c489af3b892dff0fe283c1c264c65ae5aa59a2")
        #expect(Migration.checksum(of: Array("a\nb".utf8)) != lf)
    }

    @Test("a failing migration leaves the schema and rows exactly as before")
    func failingMigrationRollsBack() throws {
        let files = try directory([
            "V1__one.sql": "CREATE TABLE one (x); INSERT INTO one VALUES (1);",
            "V2__bad.sql": "CREATE TABLE two (x); INSERT INTO one VALUES (2); THIS IS NOT SQL;",
        ])
        let runner = try MigrationRunner(source: .directory(files.path))
        let queue = try DatabaseQueue()
        #expect(throws: SkillMetricsError.self) { try runner.migrate(queue) }
        #expect(try queue.read { try runner.currentVersion($0) } == 1)
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM one") } == 1)
        #expect(try queue.read { try $0.tableExists("two") } == false)
    }

    @Test("an applied migration whose file changed is refused by migrate and reported by validate")
    func changedFileRefused() throws {
        let files = try directory(["V1__one.sql": "CREATE TABLE one (x);"])
        let queue = try DatabaseQueue()
        try MigrationRunner(source: .directory(files.path)).migrate(queue)
        try Data("CREATE TABLE one (x, y);".utf8).write(to: URL(fileURLWithPath: files.file("V1__one.sql")))
        try Data("CREATE TABLE two (x);".utf8).write(to: URL(fileURLWithPath: files.file("V2__two.sql")))
        let changed = try MigrationRunner(source: .directory(files.path))
        let problems = try queue.read { try changed.validate($0) }
        #expect(problems.count == 1)
        if case .checksumMismatch(let version, let file, _, _)? = problems.first {
            #expect(version == 1 && file == "V1__one.sql")
        } else {
            Issue.record("expected a checksum mismatch, got \(problems)")
        }
        #expect(throws: SkillMetricsError.self) { try changed.migrate(queue) }
        #expect(try queue.read { try $0.tableExists("two") } == false)
    }

    @Test("undo runs the U file and removes the bookkeeping row")
    func undo() throws {
        let files = try directory([
            "V1__one.sql": "CREATE TABLE one (x);",
            "V2__two.sql": "CREATE TABLE two (x);",
            "U2__two.sql": "DROP TABLE two;",
        ])
        let runner = try MigrationRunner(source: .directory(files.path))
        let queue = try DatabaseQueue()
        try runner.migrate(queue)
        #expect(try runner.undo(queue, to: 1) == [2])
        #expect(try queue.read { try $0.tableExists("two") } == false)
        #expect(try queue.read { try runner.currentVersion($0) } == 1)
        #expect(throws: SkillMetricsError.migration(.noUndoFile(version: 1))) { try runner.undo(queue, to: 0) }
    }

    @Test("malformed migration file names are refused", arguments: ["V__x.sql", "V1_x.sql", "X1__x.sql", "V1__.sql"])
    func badNames(name: String) throws {
        let files = try directory([name: "SELECT 1;"])
        #expect(throws: SkillMetricsError.migration(.invalidFileName(name))) {
            try MigrationRunner(source: .directory(files.path))
        }
    }

    @Test("the embedded migrations are byte-identical to Schemas/migrations")
    func embeddedMatchesFiles() throws {
        let embedded = try MigrationRunner(source: .embedded).migrations
        let onDisk = try MigrationRunner(source: .directory(PackagePaths.migrations)).migrations
        #expect(embedded == onDisk)
        #expect(embedded.first?.version == 1)
    }
}
