import Foundation
import Testing

/// The exit-status contract (0 success, 1 a check found a problem, 2 usage, input or
/// environment error), read-only opening and `--db` before the subcommand (issue 10,
/// acceptance 2–4).
@Suite("Exit status and read-only opening (CLI)")
struct ExitStatusCLITests {
    static let readCommands: [[String]] = [
        ["show", "foo"], ["list"], ["summary"], ["timeline"], ["search", "x"], ["report"],
        ["export", "--format", "openmetrics"], ["export-json", "out.json"], ["verify"], ["health"],
        ["audit", "verify"], ["audit", "replay", "--until-seq", "1"],
        // These open read-write but work on a log that must already be there.
        ["migrate", "status"], ["migrate", "validate"], ["migrate", "undo", "--to", "0"],
        ["rebuild"], ["refresh-summary"], ["audit", "checkpoint"], ["rollback", "skill_metrics.json"],
        // push sends a log that must be there (refused before any connection is tried)
        ["push", "--to", "postgres://skill@127.0.0.1:9/none"],
    ]

    /// A write command whose input is bad, run on a path with no database (in a directory that
    /// is not there either), leaves neither file nor directory; on an existing log it changes
    /// nothing. (A file that holds an event by then — a batch committed before a later one
    /// failed — is kept: ``CreatedDatabase`` removes only a log without events.)
    @Test(arguments: [
        ["append", "--jsonl", "bad.jsonl"], ["append", "--skill", "s", "--duration", "-1"],
        ["import-json", "broken.json"], ["import-json", "broken.json", "--dry-run"],
        ["migrate", "--to", "99"], ["pull", "--from", "postgres://skill@127.0.0.1:9/none"],
    ])
    func aFailedWriteOnANewPathLeavesNoFile(_ command: [String]) throws {
        let scratch = Scratch()
        _ = try scratch.write("bad.jsonl", "{\"skill_name\": \"s\", \"invoked_at\": \n")
        _ = try scratch.write("broken.json", "{\"invocations\": [")
        let arguments = command.map { ["bad.jsonl", "broken.json"].contains($0) ? scratch.file($0) : $0 }
        let fresh = scratch.file("new-dir/metrics.db")
        let failed = try CLI.run(arguments + ["--db", fresh])
        #expect(failed.status == 2, "\(command): \(failed.stderr)")
        #expect(!failed.stderr.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: scratch.file("new-dir")), "\(command)")

        let existing = scratch.file("existing.db")
        #expect(try CLI.run(["append", "--skill", "here", "--db", existing]).status == 0)
        let before = try SQLiteShell.run(existing, ".dump")
        #expect(try CLI.run(arguments + ["--db", existing]).status == 2, "\(command)")
        #expect(try SQLiteShell.run(existing, ".dump") == before, "\(command)")
    }

    @Test func showOnAMissingDatabaseNamesThePathAndCreatesNothing() throws {
        let scratch = Scratch()
        let missing = scratch.file("missing.db")
        let result = try CLI.run(["show", "foo", "--db", missing])
        #expect(result.status == 2)
        #expect(result.stderr.contains(missing))
        #expect(result.stderr.contains("no such database file"))
        #expect(!FileManager.default.fileExists(atPath: missing))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }

    @Test(arguments: [
        ["--skill", "s", "--invoked-at", "nope"], ["--skill", "s", "--duration", "-1"], ["--skill", "s", "--completed", "maybe"],
    ])
    func aRefusedAppendCreatesNoDatabase(_ flags: [String]) throws {
        let scratch = Scratch()
        let target = scratch.file("new.db")
        let result = try CLI.run(["append", "--db", target] + flags)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(!result.stderr.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }

    @Test(arguments: readCommands)
    func everyReadCommandRefusesAMissingDatabase(_ command: [String]) throws {
        let scratch = Scratch()
        let missing = scratch.file("typo.db")
        let result = try CLI.run(command + ["--db", missing], directory: scratch.path)
        #expect(result.status == 2, "\(command): \(result.stderr)")
        #expect(result.stderr.contains(missing))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty, "\(command) created a file")
    }

    @Test func listOnAVersion1FileSaysToMigrateAndLeavesItAtVersion1() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["migrate", "--to", "1", "--db", scratch.db]).status == 0)
        let result = try CLI.run(["list", "--db", scratch.db])
        #expect(result.status == 2)
        #expect(result.stderr.contains("skill-metrics migrate"))
        #expect(result.stderr.contains("version 1"))
        #expect(try SQLiteShell.value(scratch.db, "SELECT group_concat(version) FROM schema_migrations;") == "1")
        // A writing command migrates as before.
        #expect(try CLI.run(["append", "--skill", "s", "--db", scratch.db]).status == 0)
        #expect(try CLI.run(["list", "--db", scratch.db]).status == 0)
    }

    @Test func dbBeforeTheSubcommandMeansTheSameAsAfter() throws {
        let scratch = Scratch()
        let events = try scratch.write("events.jsonl", jsonlEvents(prefix: "order", count: 12))
        let append = try CLI.run(["--db", scratch.db, "append", "--jsonl", events])
        #expect(append.status == 0, "\(append.stderr)")
        for command in [["list"], ["list", "--json"], ["show", "skill-1"], ["audit", "replay", "--until-seq", "3"], ["migrate", "status"]] {
            let before = try CLI.run(["--db", scratch.db] + command)
            let equalsForm = try CLI.run(["--db=\(scratch.db)"] + command)
            let after = try CLI.run(command + ["--db", scratch.db])
            #expect(before.status == 0 && after.status == 0, "\(command): \(before.stderr) \(after.stderr)")
            #expect(before.stdout == after.stdout && equalsForm.stdout == after.stdout, "\(command)")
            #expect(before.stdout.contains("skill-1") || command.first == "migrate")
        }
        // A missing database is reported the same way in both places.
        let missing = scratch.file("missing.db")
        let first = try CLI.run(["--db", missing, "list"])
        let last = try CLI.run(["list", "--db", missing])
        #expect(first.status == 2 && last.status == 2 && first.stderr == last.stderr)
        // Given twice is a usage error; so is a missing value.
        #expect(try CLI.run(["--db", scratch.db, "list", "--db", scratch.db]).status == 2)
        #expect(try CLI.run(["--db"]).status == 2)
        // --help explains it.
        #expect(try CLI.run(["--help"]).stdout.contains("before the subcommand"))
    }

    @Test func oneErrorOfEachKindHasItsStatus() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["append", "--skill", "s", "--duration", "1.5", "--db", scratch.db]).status == 0)
        // Usage: an unknown option, a missing argument.
        let usage = try CLI.run(["list", "--no-such-option", "--db", scratch.db])
        #expect(usage.status == 2 && usage.stderr.contains("--no-such-option"))
        #expect(try CLI.run(["show", "--db", scratch.db]).status == 2)
        // Input: a negative duration, named as such.
        let input = try CLI.run(["append", "--skill", "s", "--duration", "-0.5", "--db", scratch.db])
        #expect(input.status == 2)
        #expect(input.stderr.contains("--duration") && input.stderr.contains("negative"))
        // Environment: a file that is not a database (a SQLite error), a directory.
        let garbage = try scratch.write("garbage.db", String(repeating: "not a database ", count: 400))
        let environment = try CLI.run(["append", "--skill", "s", "--db", garbage])
        #expect(environment.status == 2, "\(environment.stderr)")
        #expect(environment.stderr.contains(garbage))
        let directory = try CLI.run(["list", "--db", scratch.path])
        #expect(directory.status == 2 && directory.stderr.contains(scratch.path))
        // Check: verify finds a tampered projection.
        try SQLiteShell.run(scratch.db, "UPDATE skill_metrics SET total_invocations = 7;")
        let check = try CLI.run(["verify", "--db", scratch.db])
        #expect(check.status == 1)
        #expect(check.stdout.contains("total_invocations"))
    }

    /// A negative-looking value of a numeric option is the option's value, not an unknown
    /// option: the command's own check names it (not "Missing value for '--duration'"), in
    /// both the `--option VALUE` and the `--option=VALUE` form.
    @Test(arguments: [
        (["append", "--skill", "s", "--duration"], "-1", "--duration: must not be negative, got -1"),
        (["append", "--jsonl", "events.jsonl", "--batch-size"], "-1", "--batch-size must be at least 1"),
        (["migrate", "undo", "--to"], "-1", "no migration with version -1"),
        (["migrate", "up", "--to"], "-1", "no migration with version -1"),
        (["timeline", "--window"], "-1 days", "--window: expected a length"),
        (["audit", "replay", "--until-seq"], "-1", "--until-seq: must be 0 or more, got -1"),
        (["audit", "verify", "--digest", String(repeating: "0", count: 64), "--seq"], "-1", "--seq must not be negative"),
        (["search", "x", "--limit"], "-1", "--limit must be at least 1"),
        (["backup", "--dir", "backups", "--keep"], "-1", "--keep must be at least 1"),
        (["push", "--to", "postgres://skill@127.0.0.1:9/none", "--batch-size"], "-1", "--batch-size must be at least 1"),
    ])
    func aNegativeNumberIsTheOptionsValue(_ command: [String], _ value: String, _ message: String) throws {
        let scratch = Scratch()
        #expect(try CLI.run(["append", "--skill", "s", "--db", scratch.db]).status == 0)
        _ = try scratch.write("events.jsonl", "")
        let arguments = command.map { $0 == "events.jsonl" || $0 == "backups" ? scratch.file($0) : $0 }
        let option = arguments.last ?? ""
        for form in [arguments + [value], arguments.dropLast() + ["\(option)=\(value)"]] {
            let result = try CLI.run(form + ["--db", scratch.db])
            #expect(result.status == 2, "\(form): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(form): \(result.stderr)")
            #expect(!result.stderr.contains("Missing value"), "\(form): \(result.stderr)")
        }
        // The help still shows the option with its value name.
        let help = try CLI.run(Array(command.prefix(while: { !$0.hasPrefix("-") && $0 != "x" })) + ["--help"])
        #expect(help.status == 0 && help.stdout.contains("\(option) <"), "\(option): \(help.stdout)")
    }

    /// push and pull refuse a missing or non-postgres:// team log as a usage error with their
    /// own usage line (not the top-level `skill-metrics <subcommand>`), before opening anything.
    @Test(arguments: [
        (["push"], [String: String](), "give the team log with --to URL or $SKILL_METRICS_PUSH_URL", "push"),
        (["push", "--to", "notaurl"], [:], "--to must be a postgres:// URL", "push"),
        (["push"], ["SKILL_METRICS_PUSH_URL": "notaurl"], "$SKILL_METRICS_PUSH_URL must be a postgres:// URL", "push"),
        (["pull", "--from", "notaurl"], [:], "--from must be a postgres:// URL", "pull"),
    ])
    func pushAndPullUsageErrorsShowTheirOwnUsage(
        _ command: [String], _ environment: [String: String], _ message: String, _ name: String
    ) throws {
        let scratch = Scratch()
        let result = try CLI.run(command + ["--db", scratch.db],
                                 environment: ["SKILL_METRICS_PUSH_URL": ""].merging(environment) { $1 })
        #expect(result.status == 2)
        #expect(result.stderr.contains("Error: \(message)\n"), "\(result.stderr)")
        #expect(result.stderr.contains("Usage: skill-metrics \(name) [--db <path>]"), "\(result.stderr)")
        #expect(!result.stderr.contains("<subcommand>"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }

    @Test func schemaEditsAreRefusedNamingTheObject() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["append", "--skill", "s", "--duration", "1.5", "--db", scratch.db]).status == 0)
        try SQLiteShell.run(scratch.db, "DROP TRIGGER skill_invocation_no_update;")
        // A query refuses the file; a check reports the difference as a finding (exit 1) and
        // still runs (audit verify must see edits made after the triggers went).
        for command in [["list"], ["show", "s"], ["export-json", scratch.file("out.json")]] {
            let result = try CLI.run(command + ["--db", scratch.db])
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr.contains("trigger skill_invocation_no_update is missing"), "\(command): \(result.stderr)")
        }
        for command in [["verify"], ["health"], ["audit", "verify"]] {
            let result = try CLI.run(command + ["--db", scratch.db])
            #expect(result.status == 1, "\(command)")
            #expect(result.stderr.contains("trigger skill_invocation_no_update is missing"), "\(command): \(result.stderr)")
            #expect(!result.stdout.isEmpty, "\(command) printed no report")
        }
        // A table difference is refused by every command.
        try SQLiteShell.run(scratch.db, "ALTER TABLE skill_invocation ADD COLUMN note TEXT;")
        for command in [["verify"], ["health"], ["audit", "verify"], ["list"]] {
            let result = try CLI.run(command + ["--db", scratch.db])
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr.contains("table skill_invocation differs: column note"), "\(command): \(result.stderr)")
        }
        let target = scratch.file("target.db")
        let restore = try CLI.run(["restore", scratch.db, "--db", target])
        #expect(restore.status == 2)
        #expect(restore.stderr.contains("skill_invocation_no_update") && restore.stderr.contains("nothing was restored"))
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}
