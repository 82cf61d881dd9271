import Foundation
import SkillMetrics
import SkillMetricsPostgres
import Testing

/// The PostgreSQL schema files and their embedded copy (no server needed).
@Suite("PostgreSQL schema files")
struct PostgresSchemaFileTests {
    /// The binary carries exactly `Schemas/postgres` (names, checksums, undo files).
    @Test func embeddedCopyEqualsTheFiles() throws {
        let directory = TeamLogFixture.packageRoot + "/Schemas/postgres"
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!names.isEmpty)
        let files = try names.map { name in
            (name: name, bytes: Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))))
        }
        let fromDisk = try Migration.parse(files: files)
        let embedded = try PostgresMigrationRunner().migrations
        #expect(embedded == fromDisk)
        #expect(embedded.allSatisfy { $0.undoSQL != nil })
    }

    @Test(arguments: [
        ("postgres://u:secret@h:5433/d?sslmode=require", "postgres://u:***@h:5433/d?sslmode=require"),
        ("postgres://u@h/d", "postgres://u@h:5432/d"),
        ("postgresql://u:p%40ss@h/d", "postgres://u:***@h:5432/d"),
    ])
    func urlsParseAndRedact(text: String, redacted: String) throws {
        let url = try PostgresURL(text, environment: [:])
        #expect(url.redacted == redacted)
        #expect(!url.redacted.contains("secret"))
    }

    @Test func passwordFromEnvironment() throws {
        let url = try PostgresURL("postgres://u@h/d", environment: ["PGPASSWORD": "from-env"])
        #expect(url.password == "from-env")
        #expect(url.redacted == "postgres://u:***@h:5432/d")
        let inURL = try PostgresURL("postgres://u:p%40ss@h/d", environment: ["PGPASSWORD": "from-env"])
        #expect(inURL.password == "p@ss")
    }

    @Test(arguments: ["postgres://h/d", "postgres://u@h", "postgres://u@h/d?sslmode=verify-full", "postgres://u@h/d?x=1", "http://u@h/d"])
    func malformedURLsAreRefused(text: String) {
        #expect(throws: TeamLogError.self) { try PostgresURL(text, environment: [:]) }
    }
}
