import Foundation
import Testing

/// A team log URL with a password as `--db` (or `$SKILL_METRICS_DB`) of every subcommand:
/// never printed with its password, never taken for a file name (nothing is created in the
/// working directory), exit 2 — the local-only commands refuse it before doing anything, the
/// others fail to connect (nothing listens on port 1) or refuse a malformed URL.
@Suite("PostgreSQL URLs as --db")
struct PostgresURLRefusalCLITests {
    /// Every subcommand with the arguments it needs besides `--db`.
    static let invocations: [[String]] = [
        ["migrate"], ["migrate", "up"], ["migrate", "status"], ["migrate", "validate"], ["migrate", "undo", "--to", "0"],
        ["append", "--skill", "s"], ["rebuild"], ["verify"], ["show", "s"], ["list"], ["summary"], ["timeline"],
        ["search", "x"], ["report"], ["refresh-summary"], ["export", "--format", "openmetrics"],
        ["import-json", "legacy.json"], ["export-json", "out.json"], ["diff-json", "legacy.json"],
        ["cutover", "legacy.json"], ["rollback", "out.json"], ["audit", "replay"], ["audit", "checkpoint"],
        ["audit", "verify"], ["backup", "x.db"], ["backup", "--dir", "D"], ["restore", "bk.db"], ["health"],
        ["push", "--to", "postgres://pusher:push-secret@127.0.0.1:1/skills"],
        ["pull", "--from", "postgres://puller:pull-secret@127.0.0.1:1/skills"],
    ]

    static let urls = [
        "postgres://owner:ownerpw@127.0.0.1:1/skills",
        "POSTGRES://owner:ownerpw@127.0.0.1:1/skills",
        "PostgreSQL://owner:ownerpw@127.0.0.1:1/skills",
        "postgres:owner:ownerpw@127.0.0.1:1/skills",
        "postgresql://owner:ownerpw",
        "postgres://od%40d%3Aus%2Fer:ownerpw@127.0.0.1:1/skills",
    ]

    @Test(arguments: urls)
    func passwordNeverPrintedNothingCreated(url: String) throws {
        let scratch = Scratch()
        let bk = scratch.file("bk.db")
        try CLI.run(["append", "--db", bk, "--skill", "s"])
        for invocation in Self.invocations {
            let arguments = invocation.map { $0 == "bk.db" ? bk : $0 }
            for (extra, environment) in [(["--db", url], [String: String]()), ([], ["SKILL_METRICS_DB": url])] {
                let result = try CLI.run(arguments + extra, directory: scratch.path, environment: environment)
                let shown = "\(invocation.joined(separator: " ")) \(extra.isEmpty ? "(SKILL_METRICS_DB)" : ""): \(result.status) \(result.stderr)"
                #expect(result.status == 2, "\(shown)")
                for secret in ["ownerpw", "push-secret", "pull-secret"] {
                    #expect(!(result.stdout + result.stderr).contains(secret), "\(shown)")
                }
                #expect(!result.stderr.isEmpty, "\(shown)")
                let created = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { !$0.hasPrefix("bk.db") }
                #expect(created.isEmpty, "\(shown) created \(created)")
            }
        }
    }

    /// The list above names every subcommand the tool has.
    @Test func everySubcommandIsCovered() throws {
        let covered = Set(Self.invocations.map { $0[0] })
        for help in [try CLI.run(["--help"]).stdout] {
            let section = help.components(separatedBy: "SUBCOMMANDS:").last ?? ""
            let names = section.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
                return line.split(separator: " ").first.map(String.init)
            }
            #expect(!names.isEmpty)
            // (The closing "See 'skill-metrics help <subcommand>'" line is no subcommand.)
            for name in names where name != "help" && name != "See" { #expect(covered.contains(name), "\(name) is not covered") }
        }
        let audit = try CLI.run(["audit", "--help"]).stdout.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        for line in audit.split(separator: "\n") where line.hasPrefix("  ") && !line.hasPrefix("   ") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name != "See" else { continue }
            #expect(Self.invocations.contains(["audit", name]), "audit \(name) is not covered")
        }
    }
}
