import Foundation
import Testing

/// Files at `--db` that are not a SkillMetrics log — an empty file, another program's SQLite
/// database, a FIFO — are refused by the commands that need a log, unchanged.
@Suite("Files that are not a SkillMetrics log")
struct NotALogCLITests {
    /// Commands that work on a log that must already be there (read-write, nothing created),
    /// and the read-only ones that accept any schema version.
    static let commands: [[String]] = [
        ["rebuild"], ["refresh-summary"], ["audit", "checkpoint"], ["migrate", "status"], ["migrate", "validate"],
        ["migrate", "undo", "--to", "0"], ["backup", "copy.db"], ["rollback", "legacy.json"], ["health"], ["audit", "verify"],
    ]

    /// The file's bytes and the directory's entries, to show nothing changed.
    private func snapshot(_ scratch: Scratch) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: scratch.path) {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: scratch.file(name)))
        }
        return files
    }

    @Test("an empty file and another program's database are refused, byte for byte unchanged, no -wal beside them",
          arguments: ["empty", "foreign", "tables-only-user-version"])
    func refusedUnchanged(kind: String) throws {
        for command in Self.commands {
            let scratch = Scratch()
            let db = scratch.file("other.db")
            switch kind {
            case "empty":
                _ = try scratch.write("other.db", "")
            case "foreign":
                #expect(try Tool.sqlite(db, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'a');").status == 0)
            default:
                #expect(try Tool.sqlite(db, "PRAGMA user_version = 3; VACUUM;").status == 0)
            }
            _ = try scratch.write("legacy.json", "{\"invocations\": [], \"skills\": {}, \"last_updated\": null}")
            let before = try snapshot(scratch)
            let result = try CLI.run(command + ["--db", db], directory: scratch.path)
            #expect(result.status == 2, "\(kind) \(command): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("other.db is not a usable SkillMetrics database"), "\(kind) \(command): \(result.stderr)")
            if kind == "foreign" {
                #expect(result.stderr.contains("another program's tables (users)"), "\(command): \(result.stderr)")
            } else {
                #expect(result.stderr.contains("skill-metrics migrate --db"), "\(command): \(result.stderr)")
            }
            #expect(try snapshot(scratch) == before, "\(kind) \(command) changed or created a file")
        }
    }

    @Test("read commands call another program's database what it is instead of saying to migrate it")
    func readCommandsOnAForeignFile() throws {
        let scratch = Scratch()
        let db = scratch.file("other.db")
        #expect(try Tool.sqlite(db, "CREATE TABLE users (id INTEGER PRIMARY KEY);").status == 0)
        for command in [["list"], ["show", "s"], ["summary"], ["verify"], ["export-json", "out.json"]] {
            let result = try CLI.run(command + ["--db", db], directory: scratch.path)
            #expect(result.status == 2, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("another program's tables (users)"), "\(command): \(result.stderr)")
            #expect(!result.stderr.contains("run `skill-metrics migrate"), "\(command): \(result.stderr)")
        }
        // An empty file still gets the advice that works on it.
        let empty = try scratch.write("empty.db", "")
        let list = try CLI.run(["list", "--db", empty])
        #expect(list.status == 2)
        #expect(list.stderr.contains("skill-metrics migrate --db \(empty)"), "\(list.stderr)")
    }

    @Test("a FIFO at --db is refused at once, not waited on")
    func fifo() throws {
        let scratch = Scratch()
        let fifo = scratch.file("pipe.db")
        #expect(mkfifo(fifo, 0o600) == 0)
        for command in [["show", "s"], ["list"], ["verify"], ["health"], ["append", "--skill", "s"], ["rebuild"]] {
            // `timeout` turns a hang into exit 124 instead of a stuck test.
            let result = try CLI.run(["30", CLI.executable] + command + ["--db", fifo], executable: "/usr/bin/timeout")
            #expect(result.status == 2, "\(command): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("pipe.db: is a FIFO, not a database file"), "\(command): \(result.stderr)")
        }
    }
}
