import Foundation
import Testing

/// Counts read from a file that do not add up in a 64-bit integer — stored projection rows
/// altered outside SkillMetrics, a legacy file repeating a key with a huge count — are an
/// error naming the column and the skill or key, never a trap, and change nothing; durations
/// whose sum passes the largest double are never written as JSON (`inf` is not JSON).
@Suite("Count and sum overflow (CLI)")
struct CountOverflowCLITests {
    /// A database of 40 events over 5 skills (every one with follow-ups "a" and "b0"/"b1").
    static func database(_ scratch: Scratch) throws -> String {
        let db = scratch.file("counts.db")
        let events = try scratch.write("events.jsonl", jsonlEvents(prefix: "ovf", count: 40))
        #expect(try CLI.run(["append", "--jsonl", events, "--db", db]).status == 0)
        return db
    }

    /// Each alteration, the commands that must refuse it (exit 2, the message naming what),
    /// and the words of that message.
    @Test(arguments: [
        ("UPDATE skill_totals SET total_invocations = 9223372036854775807",
         [["summary"], ["summary", "--json"], ["report"], ["report", "--html", "page.html"], ["refresh-summary"]],
         ["column total_invocations", "does not fit in a 64-bit integer", "skill \"skill-"]),
        ("UPDATE skill_totals SET completed_invocations = -9223372036854775808",
         [["summary"], ["report"], ["refresh-summary"]],
         ["column completed_invocations", "does not fit in a 64-bit integer"]),
        ("UPDATE skill_key_count SET count = 9223372036854775807",
         [["report"]],
         ["column follow_up_actions", "key \"a\"", "add up past 9223372036854775807"]),
    ])
    func alteredCountsAreAnErrorNotATrap(alteration: String, refusing: [[String]], words: [String]) throws {
        let scratch = Scratch()
        let db = try Self.database(scratch)
        try SQLiteShell.run(db, alteration + ";")
        let before = try SQLiteShell.run(db, ".dump")
        for command in refusing {
            let result = try CLI.run(command + ["--db", db])
            #expect(result.status == 2, "\(command): \(result.status) \(result.stderr)")
            for word in words {
                #expect(result.stderr.contains(word), "\(command): \(result.stderr)")
            }
        }
        // The other commands answer or refuse, but never trap.
        for command in [["list"], ["list", "--json"], ["show", "skill-1"], ["verify"], ["health"], ["timeline"],
                        ["export", "--format", "openmetrics"], ["export-json", scratch.file("out.json")]] {
            let result = try CLI.run(command + ["--db", db])
            #expect([0, 1, 2].contains(result.status), "\(command): \(result.status) \(result.stderr.prefix(400))")
        }
        // Nothing written (a write command may still switch the file to WAL when it opens it).
        #expect(try SQLiteShell.run(db, ".dump") == before)
    }

    /// A legacy file whose counts repeat a key, the first time with the largest count: the
    /// repeat is refused by name (as JSON with a repeated key always is) before the counts are
    /// added, and the database is unchanged.
    @Test func aRepeatedLegacyKeyWithAHugeCountIsRefused() throws {
        let scratch = Scratch()
        let text = try String(contentsOfFile: Repository.fixture("legacy/basic.json"), encoding: .utf8)
        let repeated = text.replacingOccurrences(of: "\"fast\": 4,", with: "\"fast\": 9223372036854775807, \"fast\": 4,")
        #expect(repeated != text)
        let legacy = try scratch.write("repeated.json", repeated)
        let db = scratch.file("target.db")
        #expect(try CLI.run(["append", "--skill", "already-here", "--db", db]).status == 0)
        let before = try SQLiteShell.run(db, ".dump")
        for command in [["import-json", legacy], ["import-json", legacy, "--dry-run"], ["diff-json", legacy]] {
            let result = try CLI.run(command + ["--db", db])
            #expect(result.status == 2, "\(command): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("repeated.json, line"), "\(command): \(result.stderr)")
            #expect(result.stderr.contains("duplicate key \"fast\""), "\(command): \(result.stderr)")
        }
        #expect(try SQLiteShell.run(db, ".dump") == before)
    }

    /// Two durations of 1.7e308 are each valid, and their sum is infinite: the text output
    /// shows it, every JSON output and `export-json` refuse it by path (exit 2, no file), and
    /// the OpenMetrics export writes `+Inf`.
    @Test func anInfiniteDurationSumIsNeverWrittenAsJSON() throws {
        let scratch = Scratch()
        let db = scratch.file("sums.db")
        for _ in 0..<2 {
            #expect(try CLI.run(["append", "--skill", "big", "--duration", "1.7e308", "--db", db]).status == 0)
        }
        #expect(try CLI.run(["show", "big", "--db", db]).status == 0)
        #expect(try CLI.run(["verify", "--db", db]).status == 0)
        for (command, path) in [(["show", "big", "--json"], "$[\"total_duration_seconds\"] is inf"),
                                (["list", "--json"], "$[0][\"total_duration_seconds\"] is inf"),
                                (["summary", "--json"], "$[\"avg_duration_seconds\"] is inf")] {
            let result = try CLI.run(command + ["--db", db])
            #expect(result.status == 2, "\(command): \(result.status) \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(command): \(result.stdout)")
            #expect(result.stderr.contains(path) && result.stderr.contains("which JSON cannot hold"), "\(command): \(result.stderr)")
        }
        let legacy = scratch.file("legacy.json")
        let export = try CLI.run(["export-json", legacy, "--db", db])
        #expect(export.status == 2, "\(export.stderr)")
        #expect(export.stderr.contains("$[\"skills\"][\"big\"][\"total_duration_seconds\"] is inf"), "\(export.stderr)")
        #expect(!FileManager.default.fileExists(atPath: legacy))
        // OpenMetrics has its own spelling of an infinity.
        let metrics = try CLI.run(["export", "--format", "openmetrics", "--db", db])
        #expect(metrics.status == 0, "\(metrics.stderr)")
        #expect(metrics.stdout.contains("skill_total_duration_seconds{skill=\"big\"} +Inf\n"), "\(metrics.stdout)")
    }
}
