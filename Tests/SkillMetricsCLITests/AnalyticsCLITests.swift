import Foundation
import Testing
import SkillMetrics

/// CLI acceptance for the analytics commands (summary, report, search, timeline, audit
/// replay, export, refresh-summary) on the legacy fixtures.
@Suite struct AnalyticsCLITests {
    /// Fixture → JSONL of its finished invocations in completion order (naive invoked_at +
    /// duration, ties by position; pending ones skipped), as the importer will feed them.
    static let fixtureToJSONL = """
        import json, sys, datetime
        d = json.load(open(sys.argv[1], encoding="utf-8"))
        events = []
        for i, e in enumerate(d["invocations"]):
            if not e["completed"] and e["duration_seconds"] is None:
                continue
            t = datetime.datetime.fromisoformat(e["invoked_at"])
            done = t + datetime.timedelta(seconds=e["duration_seconds"])
            events.append((done, i, e, t))
        events.sort(key=lambda x: (x[0], x[1]))
        for done, i, e, t in events:
            print(json.dumps({"id": "fx-%d" % i, "skill_name": e["skill_name"],
                "invoked_at": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "workflow_path": e["workflow_path"],
                "completed": e["completed"], "duration_seconds": e["duration_seconds"],
                "error_type": e["error_type"], "follow_up_actions": e["follow_up_actions"]}))
        """

    static let fixtures = ["basic", "dst", "hostile", "large", "overlap", "ties-overlap"]

    /// A database holding the fixture's events, appended with `append --jsonl`.
    static func load(_ fixture: String, into scratch: Scratch, database: String? = nil) throws -> String {
        let jsonl = try Tool.python(fixtureToJSONL, [Repository.fixture("legacy/\(fixture).json")])
        #expect(jsonl.status == 0, "\(jsonl.stderr)")
        let path = try scratch.write("\(fixture).jsonl", jsonl.stdout)
        let db = database ?? scratch.db
        let appended = try CLI.run(["append", "--db", db, "--jsonl", path])
        #expect(appended.status == 0, "\(appended.stderr)")
        return path
    }

    static func python(_ value: JSONValue) -> String {
        JSONWriter(style: .python(ensureASCII: true)).string(value)
    }

    static func expected(_ fixture: String) throws -> JSONObject {
        let text = try String(contentsOfFile: Repository.fixture("legacy-expected/\(fixture).report.json"), encoding: .utf8)
        guard case .object(let object) = try JSONParser().parse(text) else { throw CLITestFailure("not an object") }
        return object
    }

    @Test(arguments: fixtures)
    func summaryAndReportMatchTheLegacyTracker(fixture: String) throws {
        let scratch = Scratch()
        _ = try Self.load(fixture, into: scratch)
        let expected = try Self.expected(fixture)
        let summary = try CLI.run(["summary", "--json", "--db", scratch.db])
        #expect(summary.status == 0)
        #expect(Self.python(try summary.json()) == Self.python(try #require(expected["summary"])))
        let report = try CLI.run(["report", "--db", scratch.db])
        #expect(report.status == 0)
        guard case .string(let text)? = expected["report"] else { throw CLITestFailure("no report") }
        #expect(report.stdout == text + "\n")
    }

    @Test(arguments: [0, 5, 100, 177])
    func auditReplayEqualsAFreshDatabaseWithTheFirstNEvents(count: Int) throws {
        let scratch = Scratch()
        let jsonl = try Self.load("overlap", into: scratch)
        let replay = try CLI.run(["audit", "replay", "--until-seq", String(count), "--json", "--db", scratch.db])
        #expect(replay.status == 0, "\(replay.stderr)")
        let lines = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n").prefix(count)
        let partialPath = try scratch.write("partial.jsonl", lines.joined(separator: "\n") + "\n")
        let partialDB = scratch.file("partial.db")
        if count > 0 {
            #expect(try CLI.run(["append", "--db", partialDB, "--jsonl", partialPath]).status == 0)
        } else {
            // `list` is read-only now (issue 10): the empty database must exist first.
            #expect(try CLI.run(["migrate", "--db", partialDB]).status == 0)
        }
        let list = try CLI.run(["list", "--json", "--db", partialDB])
        guard case .object(let replayed) = try replay.json(), case .array(let skills)? = replayed["skills"],
              case .array(let listed) = try list.json()
        else { throw CLITestFailure("unexpected JSON") }
        func byName(_ values: [JSONValue]) -> [String] {
            values.map(Self.python).sorted()
        }
        #expect(byName(skills) == byName(listed))
        #expect(replayed["events"] == .int(count))
    }

    @Test func searchRefusesALimitBelowOne() throws {
        let scratch = Scratch()
        for skill in ["alpha-run", "alpha-check"] {
            #expect(try CLI.run(["append", "--skill", skill, "--db", scratch.db]).status == 0)
        }
        for limit in [["--limit", "0"], ["--limit=-1"], ["--limit", "-1"]] {
            let result = try CLI.run(["search", "alpha", "--db", scratch.db] + limit)
            #expect(result.status == 2, "\(limit): \(result.stdout)")
            #expect(result.stdout.isEmpty, "\(limit): \(result.stdout)")
            #expect(result.stderr.contains("--limit must be at least 1"), "\(limit): \(result.stderr)")
        }
        let one = try CLI.run(["search", "alpha", "--limit", "1", "--db", scratch.db])
        #expect(one.status == 0 && one.stdout.split(separator: "\n").count == 1, "\(one.stdout)")
    }

    @Test func timelineHelpListsTheShortWindowFormsItAccepts() throws {
        let help = try CLI.run(["timeline", "--help"])
        #expect(help.status == 0)
        let scratch = Scratch()
        #expect(try CLI.run(["append", "--skill", "s", "--invoked-at", "2026-01-12T09:00:00Z", "--db", scratch.db]).status == 0)
        for (form, buckets) in [("12h", 12), ("3d", 3), ("1w", 7), ("90m", 2)] {
            #expect(help.stdout.contains("\"\(form)\""), "\(form) not in \(help.stdout)")
            let bucket = form.hasSuffix("h") || form.hasSuffix("m") ? "hour" : "day"
            let result = try CLI.run(["timeline", "--window", form, "--bucket", bucket,
                                      "--until", "2026-01-13T00:00:00Z", "--db", scratch.db])
            #expect(result.status == 0, "\(form): \(result.stderr)")
            #expect(result.stdout.split(separator: "\n").count == buckets + 1, "\(form): \(result.stdout)")
        }
    }

    @Test func searchTimelineExportAndRefreshSummary() throws {
        let scratch = Scratch()
        _ = try Self.load("hostile", into: scratch)
        for text in ["x' OR '1'='1", "\"", "NEAR(", "ünïcödé", "*", "AND", "has\"quote"] {
            let result = try CLI.run(["search", text, "--json", "--db", scratch.db])
            #expect(result.status == 0, "search \(text): \(result.stderr)")
            guard case .array(let matches) = try result.json() else { throw CLITestFailure("not an array") }
            if text == "ünïcödé" || text == "has\"quote" { #expect(!matches.isEmpty) }
        }
        let timeline = try CLI.run(["timeline", "--window", "400 days", "--bucket", "week",
                                    "--until", "2026-12-31T00:00:00Z", "--json", "--db", scratch.db])
        #expect(timeline.status == 0, "\(timeline.stderr)")
        guard case .object(let object) = try timeline.json(), case .array(let buckets)? = object["buckets"] else {
            throw CLITestFailure("unexpected timeline")
        }
        let total = buckets.reduce(0) { sum, bucket in
            if case .object(let b) = bucket, case .number(let n)? = b["invocations"] { return sum + (n.intValue ?? 0) }
            return sum
        }
        #expect(total == 131)

        let export = try CLI.run(["export", "--format", "openmetrics", "--db", scratch.db])
        #expect(export.status == 0)
        #expect(export.stdout.hasSuffix("# EOF\n"))
        #expect(export.stdout.contains("skill_invocations_total{skill=\"quote\\\"skill\"} 10"))

        let refreshed = try CLI.run(["refresh-summary", "--json", "--db", scratch.db])
        #expect(refreshed.status == 0)
        guard case .object(let stored) = try refreshed.json() else { throw CLITestFailure("not an object") }
        #expect(stored["stale_events"] == .int(0))
        #expect(stored["total_invocations"] == .int(131))
        #expect(try CLI.run(["append", "--db", scratch.db, "--skill", "late", "--duration", "1"]).status == 0)
        let status = try CLI.run(["summary", "--materialized", "--json", "--db", scratch.db])
        guard case .object(let stale) = try status.json() else { throw CLITestFailure("not an object") }
        #expect(stale["stale_events"] == .int(1))

        let html = scratch.file("report.html")
        let page = try CLI.run(["report", "--html", html, "--db", scratch.db])
        #expect(page.status == 0)
        let content = try String(contentsOfFile: html, encoding: .utf8)
        #expect(content.contains("<svg"))
    }

    @Test func migrateUndoToOneAndBackKeepsVerifyGreen() throws {
        let scratch = Scratch()
        _ = try Self.load("basic", into: scratch)
        let undo = try CLI.run(["migrate", "undo", "--to", "1", "--db", scratch.db])
        #expect(undo.status == 0, "\(undo.stderr)")
        // Opening a store migrates by default; verify on V1 needs --migrate-free commands, so
        // check the schema with sqlite3 and re-apply.
        let columns = try Tool.sqlite(scratch.db, "SELECT group_concat(name) FROM pragma_table_info('skill_metrics');")
        #expect(!columns.stdout.contains("p50_duration_seconds"))
        let up = try CLI.run(["migrate", "--db", scratch.db, "--json"])
        #expect(up.status == 0)
        #expect(try CLI.run(["verify", "--db", scratch.db]).status == 0)
        let show = try CLI.run(["show", "crackerjack-run", "--json", "--db", scratch.db])
        guard case .object(let row) = try show.json() else { throw CLITestFailure("not an object") }
        #expect(row["p50_duration_seconds"] == .double(2.75))
    }

    @Test func verifyCatchesATamperedPercentileAndRebuildRepairsIt() throws {
        let scratch = Scratch()
        _ = try Self.load("overlap", into: scratch)
        let tamper = try Tool.sqlite(scratch.db, "UPDATE skill_metrics SET p99_duration_seconds = p99_duration_seconds * 2 WHERE duration_count > 0;")
        #expect(tamper.status == 0, "\(tamper.stderr)")
        let verify = try CLI.run(["verify", "--db", scratch.db])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("p99_duration_seconds"))
        #expect(try CLI.run(["rebuild", "--db", scratch.db]).status == 0)
        #expect(try CLI.run(["verify", "--db", scratch.db]).status == 0)
    }

    @Test func badArgumentsExitWithStatusTwo() throws {
        let scratch = Scratch()
        for arguments in [
            ["timeline", "--bucket", "month"], ["timeline", "--window", "soon"], ["timeline", "--until", "yesterday"],
            ["audit", "replay"], ["audit", "replay", "--until-seq", "-3"], ["audit", "replay", "--until", "noon"],
            ["export", "--format", "csv"], ["summary", "--materialized"],
        ] {
            let result = try CLI.run(arguments + ["--db", scratch.db])
            #expect(result.status == 2, "\(arguments): \(result.status) \(result.stderr)")
            #expect(!result.stderr.isEmpty)
        }
    }
}

struct CLITestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
