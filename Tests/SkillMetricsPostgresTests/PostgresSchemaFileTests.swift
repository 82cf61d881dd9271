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

    /// Printed from the parsed parts: the user name percent-encoded again, an IPv6 host bracketed
    /// (and connected to without the brackets).
    @Test func redactedFromTheParts() throws {
        let odd = try PostgresURL("postgres://od%40d%3Aus%2Fer:bad@127.0.0.1:5439/skills", environment: [:])
        #expect(odd.user == "od@d:us/er")
        #expect(odd.redacted == "postgres://od%40d%3Aus%2Fer:***@127.0.0.1:5439/skills")
        let v6 = try PostgresURL("postgres://u:secret@[::1]:5439/d", environment: [:])
        #expect(v6.host == "::1")
        #expect(v6.redacted == "postgres://u:***@[::1]:5439/d")
    }

    /// Any text: every URL's password masked, any case, with or without `//`, once masked unchanged.
    @Test(arguments: [
        ("cannot reach postgres://u:secret@h/d now", "cannot reach postgres://u:***@h/d now"),
        ("POSTGRES://u:secret@h/d", "POSTGRES://u:***@h/d"),
        ("PostgreSQL://u:se@cret@h/d", "PostgreSQL://u:***@h/d"),
        ("postgres:u:secret@h/d", "postgres:u:***@h/d"),
        ("postgresql://u:secret", "postgresql://u:***"),
        ("postgres://h:5432/d", "postgres://h:5432/d"),
        ("postgres://od%40d%3Aus%2Fer:***@h:1/d (user \"od@d:us/er\")", "postgres://od%40d%3Aus%2Fer:***@h:1/d (user \"od@d:us/er\")"),
        ("a postgres://a:x@h/d and postgres://b:y@h/d", "a postgres://a:***@h/d and postgres://b:***@h/d"),
        ("/tmp/file.db", "/tmp/file.db"),
    ])
    func redactText(text: String, redacted: String) {
        #expect(PostgresURL.redact(text) == redacted)
    }

    @Test(arguments: ["postgres:u:p@h/d", "POSTGRESQL:x", "PostgreS://u@h/d"])
    func schemeIsDetectedInAnyCase(text: String) {
        #expect(PostgresURL.isPostgresURL(text))
    }

    @Test func passwordFromEnvironment() throws {
        let url = try PostgresURL("postgres://u@h/d", environment: ["PGPASSWORD": "from-env"])
        #expect(url.password == "from-env")
        #expect(url.redacted == "postgres://u:***@h:5432/d")
        let inURL = try PostgresURL("postgres://u:p%40ss@h/d", environment: ["PGPASSWORD": "from-env"])
        #expect(inURL.password == "p@ss")
    }

    @Test(arguments: ["postgres://h/d", "postgres://u@h", "postgres://u@h/d?sslmode=verify-full", "postgres://u@h/d?x=1", "http://u@h/d", "postgres:u:p@h/d"])
    func malformedURLsAreRefused(text: String) {
        #expect(throws: TeamLogError.self) { try PostgresURL(text, environment: [:]) }
    }
}
