import Foundation
import SkillMetrics
import Testing

/// docs/python.md: its code blocks, run as one script with python3 against databases made by
/// the CLI, record what the page says they record; the CLI then reads it back.
@Suite("docs/python.md (CLI)")
struct PythonGuideCLITests {
    /// The ```python blocks of the page, in order.
    static func pythonBlocks() throws -> [String] {
        let page = try String(contentsOfFile: Repository.root + "/docs/python.md", encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in page.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil {
                if line == "```python" { current = [] }
            } else if line == "```" {
                blocks.append((current ?? []).joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    func object(_ value: JSONValue?) throws -> JSONObject {
        guard case .object(let object)? = value else { throw CLITestFailure("not an object: \(String(describing: value))") }
        return object
    }

    @Test func theGuidesCodeRecordsWhatTheCLIReads() throws {
        let blocks = try Self.pythonBlocks()
        #expect(blocks.count >= 4, "python blocks found: \(blocks.count)")
        let scratch = Scratch()
        let main = ".session-buddy/skill_metrics.db", dual = ".session-buddy/dual.db"
        for db in [main, dual] {
            let migrate = try CLI.run(["migrate", "--db", db], directory: scratch.path)
            #expect(migrate.status == 0, "\(migrate.stderr)")
        }
        let script = try scratch.write("guide.py", blocks.joined(separator: "\n\n\n"))
        let python = try CLI.run(["python3", script], directory: scratch.path,
                                 environment: ["TZ": "UTC"], executable: "/usr/bin/env")
        try #require(python.status == 0, "the guide's code failed: \(python.stderr)")
        let printed = try object(try python.json())

        // Three invocations in the main database: the completer's second call added nothing.
        #expect(try SQLiteShell.value(scratch.file(main), "SELECT count(*) FROM skill_invocation;") == "3")
        for db in [main, dual] {
            let verify = try CLI.run(["verify", "--db", db], directory: scratch.path)
            #expect(verify.status == 0, "\(db): \(verify.stdout)\(verify.stderr)")
        }

        // get_skill_metrics: the legacy fields of `show --json`, value for value.
        let show = try CLI.run(["show", "code-review", "--db", main, "--json"], directory: scratch.path)
        #expect(show.status == 0, "\(show.stderr)")
        let fromCLI = try object(try show.json())
        let fromPython = try object(printed["code-review"])
        #expect(fromPython.members.count == 12)
        for member in fromPython.members {
            #expect(fromCLI[member.key] == member.value, "\(member.key): CLI \(String(describing: fromCLI[member.key])), python \(member.value)")
        }
        #expect(fromPython["total_invocations"] == .int(2))
        #expect(fromPython["abandoned_invocations"] == .int(1))
        #expect(fromPython["workflow_paths"] == .object(JSONObject([("quick", .int(1)), ("deep", .int(1))])))
        #expect(fromPython["follow_up_actions"] == .object(JSONObject([("fix", .int(1)), ("rerun", .int(1))])))
        #expect(fromPython["common_errors"] == .object(JSONObject([("timeout", .int(1))])))

        // get_summary equals `summary --json`, on both databases.
        for (db, key) in [(main, "summary"), (dual, "dual_summary")] {
            let summary = try CLI.run(["summary", "--db", db, "--json"], directory: scratch.path)
            #expect(summary.status == 0, "\(summary.stderr)")
            #expect(try summary.json() == printed[key], "\(db): CLI \(summary.stdout) python \(String(describing: printed[key]))")
        }

        // The dual-written database agrees with the legacy file the stand-in tracker wrote.
        let diff = try CLI.run(["diff-json", ".session-buddy/skill_metrics.json", "--db", dual, "--timezone", "UTC"],
                               directory: scratch.path)
        #expect(diff.status == 0, "\(diff.stdout)\(diff.stderr)")
        #expect(diff.stdout.contains("ok"), "\(diff.stdout)")

        // Phase 2 and cutover find every dual-written event already there: the guide's writer
        // gives each the id and user_context import-json gives its entry.
        let imported = try CLI.run(["import-json", ".session-buddy/skill_metrics.json", "--db", dual, "--timezone", "UTC", "--json"],
                                   directory: scratch.path)
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        let report = try object(try imported.json())
        #expect(report["appended"] == .int(0), "\(imported.stdout)")
        #expect(report["already_present"] == .int(3), "\(imported.stdout)")
        let cutover = try CLI.run(["cutover", ".session-buddy/skill_metrics.json", "--db", dual], directory: scratch.path)
        #expect(cutover.status == 0, "\(cutover.stdout)\(cutover.stderr)")
        #expect(try SQLiteShell.value(scratch.file(dual), "SELECT count(*) FROM skill_invocation;") == "3")
    }
}
