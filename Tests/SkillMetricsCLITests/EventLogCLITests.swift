import Foundation
import Testing
import SkillMetrics

/// The legacy completion order written by an independent implementation (Python): the
/// fixture's finished invocations as JSONL, naive times read as UTC.
let fixtureToJSONL = """
import json, sys, datetime
data = json.load(open(sys.argv[1]))
rows = [(i, x) for i, x in enumerate(data['invocations'])
        if not (not x['completed'] and x['duration_seconds'] is None)]
def completion(p):
    i, x = p
    return (datetime.datetime.fromisoformat(x['invoked_at']) + datetime.timedelta(seconds=x['duration_seconds']), i)
rows.sort(key=completion)
for i, x in rows:
    t = datetime.datetime.fromisoformat(x['invoked_at'])
    print(json.dumps({'id': 'fixture-%d' % i, 'skill_name': x['skill_name'],
        'invoked_at': t.strftime('%Y-%m-%dT%H:%M:%S.%fZ'), 'workflow_path': x['workflow_path'],
        'completed': x['completed'], 'duration_seconds': x['duration_seconds'],
        'error_type': x['error_type'], 'follow_up_actions': x['follow_up_actions']}))
"""

@Suite("CLI: event log core")
struct EventLogCLITests {
    @Test("append --jsonl of a fixture in completion order gives show --json equal to its skills; verify exits 0",
          arguments: ["basic.json", "overlap.json", "hostile.json", "dst.json", "ties-overlap.json", "large.json"])
    func fixtureThroughCLI(fixture: String) throws {
        let scratch = Scratch()
        let path = Repository.fixture("legacy/\(fixture)")
        let jsonl = try Tool.python(fixtureToJSONL, [path])
        try #require(jsonl.status == 0, "\(jsonl.stderr)")
        let input = try scratch.write("events.jsonl", jsonl.stdout)
        let append = try CLI.run(["append", "--db", scratch.db, "--jsonl", input, "--json"])
        #expect(append.status == 0, "\(append.stderr)")

        let fileData = try #require(FileManager.default.contents(atPath: path))
        guard case .object(let root) = try JSONParser().parse(Array(fileData)),
              case .object(let skills)? = root["skills"] else {
            Issue.record("fixture has no skills")
            return
        }
        let list = try CLI.run(["list", "--db", scratch.db, "--json"])
        guard case .array(let listed) = try list.json() else {
            Issue.record("list --json is not an array")
            return
        }
        #expect(listed.count == skills.members.count)
        let skillsToShow = fixture == "large.json" ? Array(skills.members.prefix(8)) : skills.members
        for (name, expectedValue) in skillsToShow {
            guard case .object(let expected) = expectedValue else { continue }
            let show = try CLI.run(["show", name, "--db", scratch.db, "--json"])
            #expect(show.status == 0, "\(show.stderr)")
            guard case .object(let shown) = try show.json() else {
                Issue.record("show --json is not an object")
                continue
            }
            // The legacy fields first, in legacy order; the V2 percentile fields follow them.
            #expect(Array(shown.keys.prefix(expected.keys.count)) == expected.keys, "legacy field names in legacy order")
            for (key, value) in expected.members {
                if key == "first_invoked" || key == "last_invoked" {
                    guard case .string(let naive) = value, case .string(let stored)? = shown[key],
                          let local = LocalDateTime.parse(naive) else {
                        Issue.record("\(key) missing")
                        continue
                    }
                    let instant = try Timestamp.parse(stored)
                    #expect(instant.microsecondsSinceEpoch == local.microsecondsAsUTC, "\(name) \(key)")
                } else {
                    #expect(shown[key] == value, "\(JSONWriter.quoted(name)) \(key)")
                }
            }
        }
        let verify = try CLI.run(["verify", "--db", scratch.db])
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    @Test("rows inserted by python's sqlite3 and the sqlite3 shell are counted; verify exits 0")
    func otherClients() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["migrate", "--db", scratch.db]).status == 0)
        let python = try Tool.python("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            with db:
                db.execute("INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed, duration_seconds, session_id, follow_up_actions) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    ("py-1", "python-skill", "2026-05-01T10:00:00.000000Z", "fast", 1, 1.25, "sess", '["git push", "git push"]'))
                db.execute("INSERT INTO skill_invocation (id, skill_name, invoked_at, completed, error_type) VALUES ('py-2', 'python-skill', '2026-05-01T10:00:01.500000Z', 0, 'Boom')")
            """, [scratch.db])
        #expect(python.status == 0, "\(python.stderr)")
        let shell = try Tool.sqlite(scratch.db, """
            INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed, duration_seconds)
            VALUES ('sh-1', 'python-skill', '2026-05-01T10:00:02.000000Z', 'fast', 1, 0.75);
            """)
        #expect(shell.status == 0, "\(shell.stderr)")
        guard case .object(let shown) = try CLI.run(["show", "python-skill", "--db", scratch.db, "--json"]).json() else {
            Issue.record("show failed")
            return
        }
        #expect(shown["total_invocations"] == .int(3))
        #expect(shown["completed_invocations"] == .int(2))
        #expect(shown["total_duration_seconds"] == .double(2.0))
        #expect(shown["workflow_paths"] == .object(JSONObject([("fast", .int(2))])))
        #expect(shown["follow_up_actions"] == .object(JSONObject([("git push", .int(2))])))
        #expect(shown["common_errors"] == .object(JSONObject([("Boom", .int(1))])))
        #expect(try CLI.run(["verify", "--db", scratch.db]).status == 0)
    }

    @Test("keys that differ only in Unicode normalisation (a macOS and a Linux writer) are two keys to show, list, summary and report")
    func normalisationVariants() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["migrate", "--db", scratch.db]).status == 0)
        let python = try Tool.python("""
            import sqlite3, sys
            nfc, nfd = "caf\\u00e9", "cafe\\u0301"
            db = sqlite3.connect(sys.argv[1])
            with db:
                for i, (path, error) in enumerate([(nfc, nfd), (nfd, nfc), (nfd, None)]):
                    db.execute("INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed, error_type) VALUES (?, 'deploy', ?, ?, ?, ?)",
                        ("n-%d" % i, "2026-05-01T10:00:0%d.000000Z" % i, path, 0 if error else 1, error))
                db.execute("INSERT INTO skill_invocation (id, skill_name, invoked_at, completed) VALUES ('n-9', ?, '2026-05-01T10:00:09.000000Z', 1)", (nfd,))
            """, [scratch.db])
        #expect(python.status == 0, "\(python.stderr)")
        let show = try CLI.run(["show", "deploy", "--db", scratch.db, "--json"])
        #expect(show.status == 0, "\(show.stderr)")
        guard case .object(let shown) = try show.json(), case .object(let paths)? = shown["workflow_paths"],
              case .object(let errors)? = shown["common_errors"] else {
            Issue.record("show --json: \(show.stdout) \(show.stderr)")
            return
        }
        #expect(paths.members.map { Array($0.key.utf8) } == [Array("caf\u{E9}".utf8), Array("cafe\u{301}".utf8)])
        #expect(paths.members.map(\.value) == [.int(1), .int(2)])
        #expect(errors.members.map { Array($0.key.utf8) } == [Array("cafe\u{301}".utf8), Array("caf\u{E9}".utf8)])
        for command in [["list", "--json"], ["summary", "--json"], ["report"], ["show", "cafe\u{301}"]] {
            let result = try CLI.run(command + ["--db", scratch.db])
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(result.stderr.isEmpty, "\(command): \(result.stderr)")
        }
        // The text table pads names by characters: the decomposed name's columns line up too.
        let list = try CLI.run(["list", "--db", scratch.db])
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n").map { Array($0) }
        let header = lines.first ?? []
        let totalEnd = (0..<header.count).first { String(header[$0...].prefix(5)) == "total" }.map { $0 + 5 } ?? 0
        #expect(lines.count == 3 && totalEnd > 0, "\(list.stdout)")
        for line in lines.dropFirst() {
            #expect(line.count > totalEnd && line[totalEnd - 1].isNumber && line[totalEnd] == " ",
                    "the total column ends at character \(totalEnd) in every row: \(list.stdout)")
        }
        #expect(try CLI.run(["verify", "--db", scratch.db]).status == 0)
    }

    @Test("UPDATE and DELETE from the sqlite3 shell fail and change nothing")
    func shellCannotRewriteHistory() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["append", "--db", scratch.db, "--skill", "s", "--duration", "1.5", "--id", "e1"]).status == 0)
        let before = try Tool.sqlite(scratch.db, "SELECT * FROM skill_invocation; SELECT * FROM skill_metrics;").stdout
        for sql in ["UPDATE skill_invocation SET completed = 0;", "DELETE FROM skill_invocation;",
                    "UPDATE skill_invocation SET duration_seconds = 9 WHERE id = 'e1';"] {
            let result = try Tool.sqlite(scratch.db, sql)
            #expect(result.status != 0, "\(sql)")
            #expect(result.stderr.contains("append-only"), "\(result.stderr)")
        }
        #expect(try Tool.sqlite(scratch.db, "SELECT * FROM skill_invocation; SELECT * FROM skill_metrics;").stdout == before)
    }

    @Test("tampered projections make verify exit 1 naming skill and field; rebuild repairs them",
          arguments: [
            ("UPDATE skill_metrics SET total_invocations = total_invocations + 1;", "total_invocations"),
            (#"UPDATE skill_metrics SET workflow_paths = '{"fast":3}';"#, "workflow_paths"),
            ("DELETE FROM session_skill;", "(row)"),
            ("UPDATE skill_metrics SET avg_duration_seconds = avg_duration_seconds + 1e-15;", "avg_duration_seconds"),
          ])
    func tamperedProjections(sql: String, field: String) throws {
        let scratch = Scratch()
        for duration in ["1.5", "2.25"] {
            let result = try CLI.run(["append", "--db", scratch.db, "--skill", "tampered", "--workflow-path", "fast",
                                      "--session-id", "s1", "--duration", duration])
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(try Tool.sqlite(scratch.db, sql).status == 0)
        let verify = try CLI.run(["verify", "--db", scratch.db])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("\"tampered\"") && verify.stdout.contains(field), "\(verify.stdout)")
        let json = try CLI.run(["verify", "--db", scratch.db, "--json"])
        #expect(json.status == 1)
        if case .object(let object) = try json.json(), case .array(let differences)? = object["differences"] {
            #expect(!differences.isEmpty)
        } else {
            Issue.record("verify --json has no differences array")
        }
        #expect(try CLI.run(["rebuild", "--db", scratch.db]).status == 0)
        #expect(try CLI.run(["verify", "--db", scratch.db]).status == 0)
    }

    @Test("a bad JSONL line is reported by line number and nothing is written")
    func badJSONLLine() throws {
        let scratch = Scratch()
        let lines = [
            #"{"id":"a","skill_name":"s","invoked_at":"2026-01-01T00:00:00Z","completed":true,"duration_seconds":1.0}"#,
            #"{"id":"b","skill_name":"s","invoked_at":"2026-01-01T00:00:01Z","completed":true,"duration_seconds":NaN}"#,
        ]
        let input = try scratch.write("bad.jsonl", lines.joined(separator: "\n"))
        let result = try CLI.run(["append", "--db", scratch.db, "--jsonl", input, "--batch-size", "1"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.jsonl:2"), "\(result.stderr)")
        #expect(result.stderr.contains("NaN"), "\(result.stderr)")
        // Nothing written: not even the new database file the failed append had created.
        #expect(!FileManager.default.fileExists(atPath: scratch.db))

        let cases = [
            (#"{"skill_name":"s"}"#, "invoked_at"),
            (#"{"skill_name":"s","invoked_at":"2026-01-01T00:00:00"}"#, "invoked_at"),
            (#"{"skill_name":1,"invoked_at":"2026-01-01T00:00:00Z"}"#, "skill_name"),
            (#"{"skill_name":"s","invoked_at":"2026-01-01T00:00:00Z","completed":"yes"}"#, "completed"),
            (#"{"skill_name":"s","invoked_at":"2026-01-01T00:00:00Z","follow_up_actions":[1]}"#, "follow_up_actions[0]"),
            (#"{"skill_name":"s","invoked_at":"2026-01-01T00:00:00Z","colour":"red"}"#, "colour"),
            (#"{"skill_name":"s","invoked_at":"2026-01-01T00:00:00Z""#, "truncated"),
            ("[1,2]", "object"),
        ]
        for (line, fragment) in cases {
            let result = try CLI.run(["append", "--db", scratch.db, "--jsonl", "-"], stdin: "\n" + line + "\n")
            #expect(result.status == 2, "\(line)")
            #expect(result.stderr.contains("<stdin>:2") && result.stderr.contains(fragment), "\(result.stderr)")
        }
        // A line over the size cap: stdin is spooled to a temporary file, but the message names stdin.
        let long = try CLI.run(["append", "--db", scratch.db, "--jsonl", "-"],
                               stdin: "\n" + String(repeating: "x", count: InputLimits.maximumLineBytes + 1) + "\n")
        #expect(long.status == 2)
        #expect(long.stderr.contains("<stdin>:2: line is longer than") && !long.stderr.contains("skill-metrics-stdin-"), "\(long.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.db))
    }

    @Test("an error on a line without an id names the line, not the random id it was given; a line's own id is named")
    func errorOnALineWithoutAnID() throws {
        let scratch = Scratch()
        let cases = [
            (#"{"invoked_at":"2026-01-01T00:00:00Z"}"#, "t.jsonl:1: field skill_name is missing\n"),
            (#"{"skill_name":"s","invoked_at":"2026-01-01T00:00:00Z","duration_seconds":-1}"#,
             "t.jsonl:1: field duration_seconds must not be negative, got -1.0 (a duration is the time from start to finish)\n"),
            (#"{"skill_name":"s","invoked_at":"2026-01-01T00:00:00Z","completed":1}"#,
             "t.jsonl:1: field completed must be true or false, not number\n"),
            (#"{"id":"k","invoked_at":"2026-01-01T00:00:00Z"}"#, "t.jsonl:1: event k: field skill_name is missing\n"),
        ]
        for (line, message) in cases {
            let input = try scratch.write("t.jsonl", line + "\n")
            let result = try CLI.run(["append", "--db", scratch.db, "--jsonl", input])
            #expect(result.status == 2, "\(line)")
            #expect(result.stderr == "skill-metrics: \(scratch.path)/\(message)", "\(line): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.db))
    }

    @Test("append from stdin in batches; re-appending the same lines adds nothing")
    func stdinBatches() throws {
        let scratch = Scratch()
        let lines = (0..<25).map { index in
            #"{"id":"e\#(index)","skill_name":"s\#(index % 3)","invoked_at":"2026-01-01T00:00:\#(String(format: "%02d", index))Z","session_id":"x","duration_seconds":0.5}"#
        }.joined(separator: "\n")
        let first = try CLI.run(["append", "--db", scratch.db, "--jsonl", "-", "--batch-size", "4", "--json"], stdin: lines)
        #expect(first.status == 0, "\(first.stderr)")
        if case .object(let object) = try first.json() {
            #expect(object["appended"] == .int(25))
        }
        let second = try CLI.run(["append", "--db", scratch.db, "--jsonl", "-", "--json"], stdin: lines)
        if case .object(let object) = try second.json() {
            #expect(object["appended"] == .int(0) && object["already_present"] == .int(25))
        }
        #expect(try CLI.run(["verify", "--db", scratch.db]).status == 0)
    }

    @Test("--echo-commits with --json is a usage error (its lines would break the JSON on stdout); alone it echoes")
    func echoCommitsWithJSON() throws {
        let scratch = Scratch()
        let input = try scratch.write("e.jsonl", jsonlEvents(prefix: "echo", count: 3))
        let both = try CLI.run(["append", "--db", scratch.db, "--jsonl", input, "--echo-commits", "--json"])
        #expect(both.status == 2)
        #expect(both.stdout.isEmpty, "\(both.stdout)")
        #expect(both.stderr.contains("--echo-commits cannot be combined with --json"), "\(both.stderr)")
        #expect(both.stderr.contains("Usage: skill-metrics append"), "\(both.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.db))
        let echo = try CLI.run(["append", "--db", scratch.db, "--jsonl", input, "--batch-size", "2", "--echo-commits"])
        #expect(echo.status == 0, "\(echo.stderr)")
        #expect(echo.stdout == "committed 2\ncommitted 3\nappended 3 events (0 already present)\n", "\(echo.stdout)")
    }

    @Test("a directory given as the input file is named as a directory by append --jsonl, import-json and diff-json")
    func directoryAsInput() throws {
        let scratch = Scratch()
        let directory = scratch.file("inputs")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let append = try CLI.run(["append", "--db", scratch.db, "--jsonl", directory])
        #expect(append.status == 2)
        #expect(append.stderr == "skill-metrics: \(directory): is a directory, not a file\n", "\(append.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.db))
        try #require(try CLI.run(["migrate", "--db", scratch.db]).status == 0)
        for command in [["import-json", directory], ["diff-json", directory]] {
            let result = try CLI.run(command + ["--db", scratch.db])
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr.contains("\(directory): is a directory"), "\(command): \(result.stderr)")
        }
    }

    @Test("usage errors exit 2 with a message; bad option values name the option")
    func usageErrors() throws {
        let scratch = Scratch()
        // A refused append creates no database, so `show` needs one made first.
        try #require(try CLI.run(["migrate", "--db", scratch.db]).status == 0)
        let cases: [([String], String)] = [
            (["frobnicate"], "frobnicate"),
            (["append", "--db", scratch.db], "--skill"),
            (["append", "--db", scratch.db, "--skill", "s", "--duration", "inf"], "--duration"),
            (["append", "--db", scratch.db, "--skill", "s", "--completed", "maybe"], "--completed"),
            (["append", "--db", scratch.db, "--skill", "s", "--invoked-at", "2026-01-01T00:00:00"], "--invoked-at"),
            (["show", "nope", "--db", scratch.db], "nope"),
            (["append", "--db", scratch.db, "--jsonl", scratch.file("missing.jsonl")], "missing.jsonl"),
        ]
        for (arguments, fragment) in cases {
            let result = try CLI.run(arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains(fragment), "\(arguments): \(result.stderr)")
        }
    }

    @Test("the database location: --db, then $SKILL_METRICS_DB, then .session-buddy/skill_metrics.db")
    func databaseLocation() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["append", "--skill", "here"], directory: scratch.path).status == 0)
        #expect(FileManager.default.fileExists(atPath: scratch.file(".session-buddy/skill_metrics.db")))
        let attributes = try FileManager.default.attributesOfItem(atPath: scratch.file(".session-buddy/skill_metrics.db"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let env = scratch.file("env.db")
        #expect(try CLI.run(["append", "--skill", "env"], directory: scratch.path, environment: ["SKILL_METRICS_DB": env]).status == 0)
        #expect(try CLI.run(["show", "env", "--db", env]).status == 0)
        #expect(try CLI.run(["show", "env"], directory: scratch.path).status == 2)
    }

    @Test("the binary copied alone into an empty directory runs migrate, append and verify")
    func standaloneBinary() throws {
        let scratch = Scratch()
        let copy = scratch.file("skill-metrics")
        try FileManager.default.copyItem(atPath: CLI.executable, toPath: copy)
        for arguments in [["migrate"], ["append", "--skill", "alone", "--duration", "1"], ["verify"], ["migrate", "status"]] {
            let result = try CLI.run(arguments, directory: scratch.path, executable: copy)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: scratch.file(".session-buddy/skill_metrics.db")))
    }
}
