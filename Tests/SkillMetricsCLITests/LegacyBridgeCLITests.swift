import Foundation
import Testing
import SkillMetrics

/// The fixtures and the zone each must be imported with.
private let fixtures: [(name: String, zone: String)] = [
    ("basic", "UTC"), ("overlap", "UTC"), ("hostile", "UTC"), ("dst", "Europe/Berlin"),
    ("large", "UTC"), ("ties-overlap", "UTC"), ("session-buddy", "UTC"),
]

private func fixturePath(_ name: String) -> String { Repository.fixture("legacy/\(name).json") }

private func eventCount(_ db: String) throws -> String {
    try Tool.sqlite(db, "SELECT count(*) FROM skill_invocation;").stdout
}

@Suite("Legacy bridge CLI: import-json, export-json, diff-json, cutover, rollback")
struct LegacyBridgeCLITests {
    @Test("import-json then export-json gives a byte-identical file, diff-json exits 0, re-import adds nothing", arguments: fixtures.map(\.name))
    func roundTrip(name: String) throws {
        let zone = try #require(fixtures.first { $0.name == name }).zone
        let scratch = Scratch()
        let imported = try CLI.run(["import-json", "--db", scratch.db, fixturePath(name), "--timezone", zone, "--json"])
        #expect(imported.status == 0, "\(imported.stderr)\(imported.stdout)")
        guard case .object(let report) = try imported.json() else { Issue.record("report is not an object"); return }
        #expect(report["ok"] == .bool(true))
        #expect(report["mismatches"] == .array([]))
        let appended = report["appended"]

        let output = scratch.file("out.json")
        let exported = try CLI.run(["export-json", "--db", scratch.db, output])
        #expect(exported.status == 0, "\(exported.stderr)")
        let cmp = try Tool.run("cmp", [fixturePath(name), output])
        #expect(cmp.status == 0, "\(cmp.stdout)")

        let diff = try CLI.run(["diff-json", "--db", scratch.db, fixturePath(name)])
        #expect(diff.status == 0, "\(diff.stdout)")

        let again = try CLI.run(["import-json", "--db", scratch.db, fixturePath(name), "--timezone", zone, "--json"])
        #expect(again.status == 0)
        guard case .object(let second) = try again.json() else { Issue.record("report is not an object"); return }
        #expect(second["appended"] == .int(0))
        #expect(second["already_present"] == appended)
    }

    @Test("malformed input exits 2 naming the problem and its location; the database is unchanged")
    func malformed() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["import-json", "--db", scratch.db, fixturePath("basic"), "--timezone", "UTC"]).status == 0)
        let listBefore = try CLI.run(["list", "--db", scratch.db, "--json"]).stdout
        let countBefore = try eventCount(scratch.db)
        let basic = try String(contentsOfFile: fixturePath("basic"), encoding: .utf8)
        let cases: [(String, String, [String])] = [
            ("truncated.json", String(basic.prefix(900)), ["truncated.json", "line", "truncated"]),
            ("types.json", basic.replacingOccurrences(of: "\"completed\": true", with: "\"completed\": \"yes\""),
             ["types.json", "invocations[0].completed", "expected true or false"]),
            ("nan.json", basic.replacingOccurrences(of: "\"duration_seconds\": 1.5,", with: "\"duration_seconds\": NaN,"), ["nan.json", "line 8", "NaN"]),
            ("inf.json", basic.replacingOccurrences(of: "\"duration_seconds\": 1.5,", with: "\"duration_seconds\": -Infinity,"), ["inf.json", "Infinity"]),
            ("missing.json", basic.replacingOccurrences(of: "\"last_updated\"", with: "\"last_update\""), ["missing.json", "missing key \"last_updated\""]),
            ("empty.json", "", ["empty.json", "empty"]),
            ("notjson.json", "<html>", ["notjson.json", "line 1, column 1"]),
        ]
        for (file, text, fragments) in cases {
            #expect(text != basic)
            let path = try scratch.write(file, text)
            let result = try CLI.run(["import-json", "--db", scratch.db, path, "--timezone", "UTC"])
            #expect(result.status == 2, "\(file): \(result.stderr)")
            for fragment in fragments {
                #expect(result.stderr.contains(fragment), "\(file): \(result.stderr) should mention \(fragment)")
            }
        }
        let absent = try CLI.run(["import-json", "--db", scratch.db, scratch.file("absent.json")])
        #expect(absent.status == 2)
        #expect(absent.stderr.contains("absent.json: no such file"))
        let zone = try CLI.run(["import-json", "--db", scratch.db, fixturePath("basic"), "--timezone", "Nowhere/Special"])
        #expect(zone.status == 2)
        #expect(zone.stderr.contains("--timezone"))
        #expect(try eventCount(scratch.db) == countBefore)
        #expect(try CLI.run(["list", "--db", scratch.db, "--json"]).stdout == listBefore)
        #expect(try CLI.run(["verify", "--db", scratch.db]).status == 0)
    }

    @Test("--dry-run reports and writes nothing")
    func dryRun() throws {
        let scratch = Scratch()
        let result = try CLI.run(["import-json", "--db", scratch.db, fixturePath("overlap"), "--timezone", "UTC", "--dry-run", "--json"])
        #expect(result.status == 0)
        guard case .object(let report) = try result.json() else { Issue.record("report is not an object"); return }
        #expect(report["dry_run"] == .bool(true))
        #expect(report["appended"] == .int(200))
        #expect(report["pending"] == .int(23))
        // Into a path with no database: none is created there.
        #expect(!FileManager.default.fileExists(atPath: scratch.db))

        // Into an existing log: nothing appended; into an older schema: refused, not migrated.
        #expect(try CLI.run(["import-json", "--db", scratch.db, fixturePath("basic"), "--timezone", "UTC"]).status == 0)
        let again = try CLI.run(["import-json", "--db", scratch.db, fixturePath("overlap"), "--timezone", "UTC", "--dry-run"])
        #expect(again.status == 1, "\(again.stderr)")  // the log's projections then differ from the file
        #expect(try eventCount(scratch.db) == "14\n")
        let old = scratch.path + "/v1.db"
        #expect(try CLI.run(["migrate", "--to", "1", "--db", old]).status == 0)
        let refused = try CLI.run(["import-json", "--db", old, fixturePath("basic"), "--timezone", "UTC", "--dry-run"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("the schema is at version 1"), "\(refused.stderr)")
        #expect(try Tool.sqlite(old, "SELECT max(version) FROM schema_migrations;").stdout == "1\n")
    }

    @Test("diff-json exits 1 and names the field when the database has moved on")
    func diffFindsDifferences() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["import-json", "--db", scratch.db, fixturePath("basic"), "--timezone", "UTC"]).status == 0)
        #expect(try CLI.run(["append", "--db", scratch.db, "--skill", "session-checkpoint", "--duration", "1.0",
                             "--invoked-at", "2026-02-01T10:00:00Z"]).status == 0)
        let diff = try CLI.run(["diff-json", "--db", scratch.db, fixturePath("basic"), "--json"])
        #expect(diff.status == 1)
        guard case .object(let object) = try diff.json(), case .array(let differences)? = object["differences"] else {
            Issue.record("no differences array"); return
        }
        let fields = differences.compactMap { value -> String? in
            guard case .object(let difference) = value, case .string(let field)? = difference["field"] else { return nil }
            return field
        }
        #expect(fields.contains("total_invocations"))
        #expect(fields.contains("last_invoked"))
    }

    @Test("cutover backs up the file and records it; rollback exports events appended after cutover, checked with python3")
    func cutoverAndRollback() throws {
        let scratch = Scratch()
        let legacy = try scratch.write("skill_metrics.json", try String(contentsOfFile: fixturePath("overlap"), encoding: .utf8))
        let cutover = try CLI.run(["cutover", "--db", scratch.db, legacy, "--timezone", "UTC"])
        #expect(cutover.status == 0, "\(cutover.stderr)\(cutover.stdout)")
        let backups = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix("skill_metrics.json.bak-") }
        #expect(backups.count == 1)

        // New events after cutover (completion times after the file's last entry), one new skill.
        let appends: [[String]] = [
            ["--skill", "crackerjack-run", "--duration", "3.25", "--workflow-path", "fast", "--follow-up", "git push", "--invoked-at", "2026-02-01T10:00:00Z"],
            ["--skill", "brand-new \u{e9}", "--duration", "0.1", "--invoked-at", "2026-02-01T10:01:00.5Z"],
            ["--skill", "code-review", "--completed", "false", "--duration", "7.0", "--error-type", "TimeoutError", "--invoked-at", "2026-02-01T10:02:00Z"],
        ]
        for arguments in appends {
            let appended = try CLI.run(["append", "--db", scratch.db] + arguments)
            #expect(appended.status == 0, "\(appended.stderr)")
        }
        let rollback = try CLI.run(["rollback", "--db", scratch.db, legacy])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.db))

        // The legacy tracker's rules, in Python, applied to the exported file.
        let script = #"""
        import json, sys, datetime
        data = json.load(open(sys.argv[1]))
        done = [(i, x) for i, x in enumerate(data["invocations"])
                if not (x["completed"] is False and x["duration_seconds"] is None)]
        def end(item):
            i, x = item
            return (datetime.datetime.fromisoformat(x["invoked_at"]) + datetime.timedelta(seconds=x["duration_seconds"] or 0), i)
        skills = {}
        for _, inv in sorted(done, key=end):
            name = inv["skill_name"]
            if name not in skills:
                skills[name] = {"skill_name": name, "total_invocations": 0, "completed_invocations": 0,
                    "abandoned_invocations": 0, "total_duration_seconds": 0.0, "workflow_paths": {},
                    "common_errors": {}, "follow_up_actions": {}, "first_invoked": inv["invoked_at"],
                    "last_invoked": None, "completion_rate": 0.0, "avg_duration_seconds": 0.0}
            m = skills[name]
            m["total_invocations"] += 1
            if inv["completed"]:
                m["completed_invocations"] += 1
                if inv["duration_seconds"]:
                    m["total_duration_seconds"] += inv["duration_seconds"]
            else:
                m["abandoned_invocations"] += 1
            if inv["workflow_path"]:
                m["workflow_paths"][inv["workflow_path"]] = m["workflow_paths"].get(inv["workflow_path"], 0) + 1
            if inv["error_type"]:
                m["common_errors"][inv["error_type"]] = m["common_errors"].get(inv["error_type"], 0) + 1
            for action in inv["follow_up_actions"]:
                m["follow_up_actions"][action] = m["follow_up_actions"].get(action, 0) + 1
            m["last_invoked"] = inv["invoked_at"]
            m["completion_rate"] = m["completed_invocations"] / m["total_invocations"] * 100
            m["avg_duration_seconds"] = m["total_duration_seconds"] / m["completed_invocations"] if m["completed_invocations"] else 0.0
        assert skills == data["skills"], "skills in the file do not follow from its invocations"
        assert list(skills) == list(data["skills"]), "skills order"
        for m in skills.values():
            for key in ("workflow_paths", "common_errors", "follow_up_actions"):
                m[key] = list(m[key].items())
            del m["first_invoked"], m["last_invoked"]
        print(json.dumps(sorted(skills.values(), key=lambda m: m["skill_name"])))
        """#
        let python = try Tool.python(script, [legacy])
        #expect(python.status == 0, "\(python.stderr)")

        let list = try CLI.run(["list", "--db", scratch.db, "--json"])
        guard case .array(let rows) = try list.json() else { Issue.record("list --json is not an array"); return }
        var fromList: [[String: String]] = []
        for row in rows {
            guard case .object(let object) = row else { continue }
            var fields: [String: String] = [:]
            for member in object.members where member.key != "first_invoked" && member.key != "last_invoked" {
                fields[member.key] = JSONWriter(style: .compact).string(member.value)
            }
            fromList.append(fields)
        }
        guard case .array(let computed) = try JSONParser().parse(python.stdout) else { Issue.record("python output"); return }
        var fromPython: [[String: String]] = []
        for entry in computed {
            guard case .object(let object) = entry else { continue }
            var fields: [String: String] = [:]
            for member in object.members {
                var value = member.value
                if case .array(let pairs) = value, ["workflow_paths", "common_errors", "follow_up_actions"].contains(member.key) {
                    value = .object(JSONObject(pairs.compactMap { pair in
                        guard case .array(let kv) = pair, kv.count == 2, case .string(let key) = kv[0] else { return nil }
                        return (key, kv[1])
                    }))
                }
                fields[member.key] = JSONWriter(style: .compact).string(value)
            }
            fromPython.append(fields)
        }
        fromList.sort { ($0["skill_name"] ?? "") < ($1["skill_name"] ?? "") }
        fromPython.sort { ($0["skill_name"] ?? "") < ($1["skill_name"] ?? "") }
        #expect(fromList.count == 5)
        // list --json carries the V2 percentile fields after the legacy ones; compare the legacy ones.
        let listLegacyFields = fromList.map { row in row.filter { key, _ in fromPython.first?[key] != nil } }
        #expect(listLegacyFields == fromPython)
        #expect(fromPython.first?.count == 10)
        // The new events are in the file.
        let text = try String(contentsOfFile: legacy, encoding: .utf8)
        #expect(text.contains("\"brand-new \\u00e9\""))
        #expect(text.contains("\"invoked_at\": \"2026-02-01T10:01:00.500000\""))
    }

    @Test("cutover stops with exit 1 and no backup when the file disagrees with the database")
    func cutoverStops() throws {
        let scratch = Scratch()
        let basic = try String(contentsOfFile: fixturePath("basic"), encoding: .utf8)
        let edited = basic.replacingOccurrences(of: "\"total_invocations\": 12", with: "\"total_invocations\": 13")
        #expect(edited != basic)
        let legacy = try scratch.write("skill_metrics.json", edited)
        let result = try CLI.run(["cutover", "--db", scratch.db, legacy, "--timezone", "UTC"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("total_invocations"))
        let backups = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.contains(".bak-") }
        #expect(backups.isEmpty)
        // Nothing of the final import was committed either: the database it created is gone.
        #expect(!FileManager.default.fileExists(atPath: scratch.db))
    }

    @Test("a cutover that stops on events appended since commits nothing, and export's last_updated stays the log's")
    func stoppedCutoverWritesNothing() throws {
        let scratch = Scratch()
        let legacy = try scratch.write("skill_metrics.json", try String(contentsOfFile: fixturePath("basic"), encoding: .utf8))
        #expect(try CLI.run(["cutover", "--db", scratch.db, legacy, "--timezone", "UTC"]).status == 0)
        #expect(try CLI.run(["append", "--db", scratch.db, "--skill", "crackerjack-run", "--duration", "2.0",
                             "--invoked-at", "2026-03-01T10:00:00Z"]).status == 0)
        let before = scratch.path + "/before.json", after = scratch.path + "/after.json"
        #expect(try CLI.run(["export-json", "--db", scratch.db, before]).status == 0)
        let imports = try Tool.sqlite(scratch.db, "SELECT count(*) FROM legacy_import;").stdout
        let stopped = try CLI.run(["cutover", "--db", scratch.db, legacy])
        #expect(stopped.status == 1, "\(stopped.stdout)\(stopped.stderr)")
        #expect(try eventCount(scratch.db) == "15\n")
        #expect(try Tool.sqlite(scratch.db, "SELECT count(*) FROM legacy_import;").stdout == imports)
        // import-json of the old file (exit 1, committed): the log's own event is not in the
        // file, so export still writes the log's last_updated, not the file's.
        #expect(try CLI.run(["import-json", "--db", scratch.db, legacy]).status == 1)
        #expect(try CLI.run(["export-json", "--db", scratch.db, after]).status == 0)
        #expect(try String(contentsOfFile: after, encoding: .utf8) == String(contentsOfFile: before, encoding: .utf8))
        #expect(try String(contentsOfFile: after, encoding: .utf8).contains("\"last_updated\": \"2026-03-01T10:00:02\""))
    }

    @Test("an event appended in the second occurrence of a DST overlap is recognised in the rolled-back file")
    func rollbackInsideADSTOverlap() throws {
        let scratch = Scratch()
        let legacy = try scratch.write("skill_metrics.json", try String(contentsOfFile: fixturePath("basic"), encoding: .utf8))
        #expect(try CLI.run(["import-json", "--db", scratch.db, legacy, "--timezone", "Europe/Berlin"]).status == 0)
        // 01:30 UTC on 2026-10-25 is 02:30 CET, the second 02:30 of that night in Berlin; the
        // file's naive "02:30:00" reads back as the first (00:30 UTC).
        #expect(try CLI.run(["append", "--db", scratch.db, "--skill", "late", "--duration", "1.0",
                             "--invoked-at", "2026-10-25T01:30:00Z"]).status == 0)
        #expect(try CLI.run(["rollback", "--db", scratch.db, legacy]).status == 0)
        #expect(try String(contentsOfFile: legacy, encoding: .utf8).contains("\"invoked_at\": \"2026-10-25T02:30:00\""))
        let imported = try CLI.run(["import-json", "--db", scratch.db, legacy, "--json"])
        guard case .object(let report) = try imported.json() else { Issue.record("report: \(imported.stdout)\(imported.stderr)"); return }
        #expect(report["appended"] == .int(0))
        #expect(try eventCount(scratch.db) == "15\n")
    }

    @Test("rollbacks in the same second keep every previous file: a kept copy's name is never reused")
    func repeatedRollbacksKeepEveryCopy() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["import-json", "--db", scratch.db, fixturePath("basic"), "--timezone", "UTC"]).status == 0)
        let legacy = try scratch.write("m.json", #"{"first": true}"#)
        // The names of this second and the next few are taken already (as a rollback in the same
        // second would have left them): each is kept as it is.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let now = Date()
        var taken: [String] = []
        for second in 0..<4 {
            let name = "m.json.pre-rollback-" + formatter.string(from: now.addingTimeInterval(Double(second)))
            taken.append(try scratch.write(name, "taken \(second)"))
        }
        var kept: [String] = []
        for round in 0..<3 {
            if round > 0 { try #"{"round": \#(round)}"#.write(toFile: legacy, atomically: true, encoding: .utf8) }
            let rollback = try CLI.run(["rollback", "--db", scratch.db, legacy])
            #expect(rollback.status == 0, "\(rollback.stderr)")
            guard let path = rollback.stdout.components(separatedBy: "previous file kept at ").last?
                .trimmingCharacters(in: .whitespacesAndNewlines) else { Issue.record("no kept copy named: \(rollback.stdout)"); return }
            kept.append(path)
        }
        #expect(Set(kept).count == 3, "\(kept)")
        #expect(try kept.map { try String(contentsOfFile: $0, encoding: .utf8) }
            == [#"{"first": true}"#, #"{"round": 1}"#, #"{"round": 2}"#])
        for (second, path) in taken.enumerated() {
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "taken \(second)")
        }
    }

    @Test("a rolled-back file imported again (import-json, cutover) appends none of the log's own events, once more only what the legacy tracker added")
    func rollbackThenImportAppendsNothingTwice() throws {
        let scratch = Scratch()
        let legacy = try scratch.write("skill_metrics.json", try String(contentsOfFile: fixturePath("basic"), encoding: .utf8))
        #expect(try CLI.run(["cutover", "--db", scratch.db, legacy, "--timezone", "UTC"]).status == 0)
        for arguments in [
            ["--skill", "crackerjack-run", "--duration", "2.0", "--workflow-path", "fast", "--follow-up", "git push",
             "--invoked-at", "2026-03-01T10:00:00Z"],
            // Abandoned without a duration: written as 0.0, not as crackerjack's unfinished entry.
            ["--skill", "new-skill", "--completed", "false", "--error-type", "Timeout", "--invoked-at", "2026-03-01T11:00:00Z"],
            ["--skill", "new-skill", "--duration", "0.5", "--session-id", "s-1", "--invoked-at", "2026-03-01T11:00:00Z"],
        ] {
            let appended = try CLI.run(["append", "--db", scratch.db] + arguments)
            #expect(appended.status == 0, "\(appended.stderr)")
        }
        #expect(try CLI.run(["rollback", "--db", scratch.db, legacy]).status == 0)
        let rolledBack = try String(contentsOfFile: legacy, encoding: .utf8)
        #expect(rolledBack.contains("\"completed\": false,\n      \"duration_seconds\": 0.0"), "\(rolledBack)")

        let imported = try CLI.run(["import-json", "--db", scratch.db, legacy, "--json"])
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        guard case .object(let report) = try imported.json() else { Issue.record("report"); return }
        #expect(report["appended"] == .int(0))
        #expect(report["already_present"] == .int(17))
        #expect(try eventCount(scratch.db) == "17\n")
        let exported = scratch.path + "/again.json"
        #expect(try CLI.run(["export-json", "--db", scratch.db, exported]).status == 0)
        #expect(try String(contentsOfFile: exported, encoding: .utf8) == rolledBack)
        let cutover = try CLI.run(["cutover", "--db", scratch.db, legacy])
        #expect(cutover.status == 0, "\(cutover.stdout)\(cutover.stderr)")
        #expect(try eventCount(scratch.db) == "17\n")

        // The legacy tracker writes on after the rollback: only its new entry is appended.
        let script = #"""
        import json, sys
        data = json.load(open(sys.argv[1]))
        data["invocations"].append({"skill_name": "new-skill", "invoked_at": "2026-03-02T09:00:00.250000",
            "workflow_path": None, "completed": True, "duration_seconds": 1.25, "follow_up_actions": [], "error_type": None})
        open(sys.argv[1], "w").write(json.dumps(data, indent=2))
        """#
        #expect(try Tool.python(script, [legacy]).status == 0)
        let next = try CLI.run(["import-json", "--db", scratch.db, legacy, "--json"])
        guard case .object(let nextReport) = try next.json() else { Issue.record("report: \(next.stdout)\(next.stderr)"); return }
        #expect(nextReport["appended"] == .int(1))
        #expect(try eventCount(scratch.db) == "18\n")
        #expect(try CLI.run(["verify", "--db", scratch.db]).status == 0)
    }
}
