import Foundation
import Testing

/// Damaged, altered and foreign database files through every read command and `restore`
/// (issue 10, acceptance 1).
///
/// Starts from a valid database and applies one seeded mutation per iteration: schema edits
/// (a table re-created without its constraints and given a row of NULLs, a column retyped in
/// `sqlite_master`, a trigger or index dropped, an object added), wrong values (NULL, text,
/// blob, out-of-range numbers) in a column of a row, rows added to the projections, and
/// byte-level corruption (flipped bytes, a zeroed page, truncation). Each read command must
/// exit 0, 1 or 2 — never trap (a signal or any other status) — with a message for 1 and 2;
/// schema edits must be refused (non-zero); no read command may change the file; and `restore`
/// must never replace its target with a file it refused.
///
/// The seed is printed on failure. A longer run: `SKILL_METRICS_DB_FUZZ_SEED=<n>
/// SKILL_METRICS_DB_FUZZ_ITERATIONS=<n> swift test --filter DatabaseFuzzCLITests`.
@Suite("Database file fuzz (CLI)", .serialized)
struct DatabaseFuzzCLITests {
    static let seed: UInt64 = ProcessInfo.processInfo.environment["SKILL_METRICS_DB_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0xDB_F022_2026
    /// About 3 s per iteration in a debug build on a loaded machine (16 command runs; a trap
    /// costs 2 s more for its backtrace), so the default run stays within about a minute.
    static let iterations: Int = ProcessInfo.processInfo.environment["SKILL_METRICS_DB_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 10
    /// The write test's iterations (8 command runs each): `SKILL_METRICS_DB_FUZZ_WRITE_ITERATIONS`.
    static let writeIterations: Int = ProcessInfo.processInfo.environment["SKILL_METRICS_DB_FUZZ_WRITE_ITERATIONS"].flatMap { Int($0) } ?? 8

    /// Each run prints a backtrace when it traps, so the trap can be placed in the source.
    static let backtrace = ["SWIFT_BACKTRACE": "enable=yes,interactive=no,limit=24,top=0,sanitize=no"]

    /// The first frame in the project's own sources (`Sources/…swift:LINE`) of a backtrace.
    static func firstProjectFrame(_ stderr: String) -> String? {
        for line in stderr.split(separator: "\n") where !line.contains("/.build/") {
            guard let range = line.range(of: "/Sources/") else { continue }
            let location = line[range.lowerBound...].dropFirst()
            return String(location.prefix { !$0.isWhitespace })
        }
        return nil
    }


    /// A mutation and whether every read command must refuse the result.
    struct Mutation {
        var description: String
        /// Schema edits: the schema check refuses them before anything is read.
        var mustBeRefused: Bool
    }

    static let hostileValues = [
        "NULL", "'text'", "X'00FF10'", "''", "1e308", "-1", "9223372036854775807", "2.5", "'{not json'",
        "'[1, 2]'", "X''", "'2026-99-99T99:99:99.999999Z'", "char(0)",
    ]

    /// The file's bytes (empty when it cannot be read), to prove it unchanged.
    static func contents(_ path: String) -> Data {
        (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
    }

    /// The names of the schema objects of one kind in `database`.
    static func names(_ database: String, kind: String) throws -> [String] {
        try SQLiteShell.run(database, "SELECT name FROM sqlite_master WHERE type = '\(kind)' AND name NOT LIKE 'sqlite_%' ORDER BY name;")
            .split(separator: "\n").map(String.init)
    }

    static func columns(_ database: String, table: String) throws -> [String] {
        try SQLiteShell.run(database, "SELECT name FROM pragma_table_info('\(table)');").split(separator: "\n").map(String.init)
    }

    /// Applies one mutation to `database`; nil when it did not apply (e.g. a view where a
    /// table was expected), so the caller draws another.
    static func mutate(_ database: String, _ random: inout SeededGenerator) throws -> Mutation? {
        let tables = try names(database, kind: "table").filter { !$0.contains("_fts") }
        let valueTables = tables.filter { ["skill_invocation", "skill_metrics", "session_skill", "skill_totals",
                                            "skill_key_count", "skill_metrics_summary", "audit_checkpoint",
                                            "schema_migrations", "legacy_import", "skill_workflow_path"].contains($0) }
        do {
            switch random.pick([0, 1, 2, 3, 4, 5, 5, 6, 6, 7, 7, 7, 8, 9]) {
            case 0:
                let table = random.pick(valueTables)
                try SQLiteShell.run(database, """
                    PRAGMA legacy_alter_table = ON;
                    CREATE TABLE fuzz_copy AS SELECT * FROM "\(table)";
                    DROP TABLE "\(table)";
                    ALTER TABLE fuzz_copy RENAME TO "\(table)";
                    INSERT INTO "\(table)" DEFAULT VALUES;
                    """)
                return Mutation(description: "\(table) re-created without constraints, plus a row of NULLs", mustBeRefused: true)
            case 1:
                let table = random.pick(valueTables)
                let (from, to) = random.pick([("INTEGER", "TEXT"), ("TEXT", "BLOB"), ("REAL", "TEXT"), ("NOT NULL", "")])
                let matching = try SQLiteShell.value(database, "SELECT count(*) FROM sqlite_master WHERE name = '\(table)' AND instr(sql, '\(from)') > 0;")
                guard matching == "1" else { return nil }
                let version = try SQLiteShell.value(database, "PRAGMA schema_version;")
                try SQLiteShell.run(database, """
                    PRAGMA writable_schema = ON;
                    UPDATE sqlite_master SET sql = replace(sql, '\(from)', '\(to)') WHERE name = '\(table)' AND instr(sql, '\(from)') > 0;
                    PRAGMA schema_version = \((Int(version) ?? 0) + 1);
                    """)
                return Mutation(description: "\(table): \(from) retyped to \(to.isEmpty ? "nothing" : to) in sqlite_master", mustBeRefused: true)
            case 2:
                let triggers = try names(database, kind: "trigger")
                guard !triggers.isEmpty else { return nil }
                let trigger = random.pick(triggers)
                try SQLiteShell.run(database, "DROP TRIGGER \"\(trigger)\";")
                return Mutation(description: "trigger \(trigger) dropped", mustBeRefused: true)
            case 3:
                let indexes = try names(database, kind: "index")
                guard !indexes.isEmpty else { return nil }
                let index = random.pick(indexes)
                try SQLiteShell.run(database, "DROP INDEX \"\(index)\";")
                return Mutation(description: "index \(index) dropped", mustBeRefused: true)
            case 4:
                let sql = random.pick([
                    "CREATE TABLE fuzz_extra (x);",
                    "CREATE INDEX fuzz_index ON skill_invocation (error_type);",
                    "CREATE VIEW fuzz_view AS SELECT 1;",
                    "CREATE TRIGGER fuzz_trigger AFTER INSERT ON skill_invocation BEGIN SELECT 1; END;",
                ])
                try SQLiteShell.run(database, sql)
                return Mutation(description: "added: \(sql)", mustBeRefused: true)
            case 5, 6:
                let filled = try valueTables.filter { try SQLiteShell.value(database, "SELECT count(*) > 0 FROM \"\($0)\";") == "1" }
                guard !filled.isEmpty else { return nil }
                // A wrong value in one column of one row, the schema left exactly as it was
                // (the log's UPDATE guard is dropped and re-created with its own SQL).
                let table = random.pick(filled)
                let columns = try columns(database, table: table)
                guard !columns.isEmpty else { return nil }
                let column = random.pick(columns)
                let value = random.pick(hostileValues)
                let guardSQL = try SQLiteShell.value(database, "SELECT sql FROM sqlite_master WHERE name = 'skill_invocation_no_update';")
                var script = "PRAGMA ignore_check_constraints = ON;\n"
                if !guardSQL.isEmpty { script += "DROP TRIGGER skill_invocation_no_update;\n" }
                script += "UPDATE \"\(table)\" SET \"\(column)\" = \(value) WHERE rowid = (SELECT rowid FROM \"\(table)\" ORDER BY random() LIMIT 1);\n"
                if !guardSQL.isEmpty { script += guardSQL + ";\n" }
                try SQLiteShell.run(database, script)
                return Mutation(description: "\(table).\(column) set to \(value) in one row", mustBeRefused: false)
            case 7:
                // A row added to a projection (or the log) with a hostile value in one column.
                let table = random.pick(valueTables.filter { $0 != "schema_migrations" })
                let columns = try columns(database, table: table)
                guard !columns.isEmpty else { return nil }
                let hostile = random.int(0...(columns.count - 1))
                let values = columns.enumerated().map { offset, name in
                    offset == hostile ? random.pick(hostileValues)
                        : (name.hasSuffix("_seq") || name == "seq" || name.hasSuffix("invocations") || name.hasSuffix("count") ? "\(random.int(1...99))" : "'fuzz-\(offset)'")
                }
                try SQLiteShell.run(database, """
                    PRAGMA ignore_check_constraints = ON;
                    INSERT INTO "\(table)" (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")));
                    """)
                return Mutation(description: "row added to \(table) with \(columns[hostile]) = \(values[hostile])", mustBeRefused: false)
            default:
                var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: database)))
                guard bytes.count > 4096 else { return nil }
                let description: String
                switch random.int(0...3) {
                case 0:
                    let count = random.int(1...16)
                    for _ in 0..<count { bytes[random.int(100...(bytes.count - 1))] ^= UInt8(random.int(1...255)) }
                    description = "\(count) bytes flipped"
                case 1:
                    let page = random.int(1...(bytes.count / 4096 - 1))
                    for offset in (page * 4096)..<min(bytes.count, page * 4096 + 4096) { bytes[offset] = 0 }
                    description = "page \(page + 1) zeroed"
                case 2:
                    let length = random.int(0...(bytes.count - 1))
                    bytes.removeLast(bytes.count - length)
                    description = "truncated to \(length) bytes"
                default:
                    let offset = random.int(16...99)
                    bytes[offset] ^= UInt8(random.int(1...255))
                    description = "header byte \(offset) changed"
                }
                try Data(bytes).write(to: URL(fileURLWithPath: database))
                return Mutation(description: description, mustBeRefused: false)
            }
        } catch is SQLiteShell.Failure {
            return nil
        }
    }

    /// Runs `body` on `iterations` copies of `base` (named after `prefix` and the attempt),
    /// each changed by one mutation drawn from `random` (draws that do not apply are retried,
    /// up to four times `iterations` in all), and removes each copy after it; returns how many
    /// mutations applied.
    static func forEachMutatedCopy(of base: String, in scratch: Scratch, prefix: String, iterations: Int,
                                   _ random: inout SeededGenerator,
                                   _ body: (_ file: String, _ mutation: Mutation, _ attempt: Int) throws -> Void) throws -> Int {
        var applied = 0
        var attempts = 0
        while applied < iterations && attempts < iterations * 4 {
            attempts += 1
            let file = scratch.file("\(prefix)-\(attempts).db")
            try? FileManager.default.removeItem(atPath: file)
            try FileManager.default.copyItem(atPath: base, toPath: file)
            defer { try? FileManager.default.removeItem(atPath: file) }
            guard let mutation = try mutate(file, &random) else { continue }
            applied += 1
            try body(file, mutation, attempts)
        }
        return applied
    }

    /// A valid database of 40 events with a checkpoint and a summary, in one file (no `-wal`
    /// beside it, so byte edits hit real pages), and its legacy export.
    static func makeBase(in scratch: Scratch) throws -> (base: String, legacy: String) {
        let base = scratch.file("base.db")
        let events = try scratch.write("events.jsonl", jsonlEvents(prefix: "fuzz", count: 40))
        for arguments in [["append", "--jsonl", events], ["audit", "checkpoint"], ["refresh-summary"]] {
            let result = try CLI.run(arguments + ["--db", base])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        let legacy = scratch.file("legacy.json")
        #expect(try CLI.run(["export-json", legacy, "--db", base]).status == 0)
        try SQLiteShell.run(base, "PRAGMA journal_mode = DELETE;")
        return (base, legacy)
    }

    /// The write commands on damaged files: each runs on its own copy of the mutated file and
    /// must exit 0, 1 or 2 — never trap — with a message for 1 and 2; a schema edit must be
    /// refused, leaving the file's bytes as they were, by every one of them but `rebuild`
    /// (which restores what it can) and `backup` (which copies the file as it is).
    @Test func writeCommandsNeverTrapOnDamagedFiles() throws {
        let scratch = Scratch()
        let (base, legacy) = try Self.makeBase(in: scratch)
        // Events of the skills the base holds (their count rows, pairs and percentiles are
        // read and updated) and of a new one.
        let more = try scratch.write("more.jsonl", jsonlEvents(prefix: "more", count: 12, skills: 6))
        let writeCommands: [[String]] = [
            ["append", "--skill", "skill-1", "--workflow-path", "path-9", "--session-id", "sess-1",
             "--duration", "2.25", "--error-type", "boom", "--follow-up", "a"],
            ["append", "--jsonl", more, "--batch-size", "5"],
            ["rebuild"], ["migrate"], ["audit", "checkpoint"], ["refresh-summary"],
            ["import-json", legacy], ["backup", scratch.file("backup-out.db")],
        ]
        let takeAlteredSchemas: Set<String> = ["rebuild", "backup"]
        // A different stream from the read test's, so the two cover different files.
        var random = SeededGenerator(seed: Self.seed ^ 0x5752_4954_4553)
        var failures: [String] = []
        let applied = try Self.forEachMutatedCopy(of: base, in: scratch, prefix: "fuzz-write", iterations: Self.writeIterations, &random) { file, mutation, attempts in
            let before = Self.contents(file)
            var statuses: [Int32] = []
            defer { print("database write fuzz \(attempts) (\(mutation.description)): exit statuses \(statuses)") }
            for command in writeCommands {
                let copy = scratch.file("fuzz-write-copy.db")
                for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: copy + suffix) }
                try? FileManager.default.removeItem(atPath: scratch.file("backup-out.db"))
                try FileManager.default.copyItem(atPath: file, toPath: copy)
                let result = try CLI.run(command + ["--db", copy], environment: Self.backtrace)
                statuses.append(result.status)
                let label = "seed \(Self.seed), write attempt \(attempts) (\(mutation.description)): \(command.joined(separator: " "))"
                let mustRefuse = mutation.mustBeRefused && !takeAlteredSchemas.contains(command[0])
                switch result.status {
                case 0:
                    if mustRefuse { failures.append("\(label): exit 0, expected a refusal") }
                case 1, 2:
                    // import-json reports a validation mismatch (exit 1) on stdout.
                    if result.stderr.isEmpty && (result.status == 2 || result.stdout.isEmpty) {
                        failures.append("\(label): exit \(result.status) without a message")
                    }
                    if mustRefuse && Self.contents(copy) != before {
                        failures.append("\(label): refused, but the file changed")
                    }
                default:
                    let frame = Self.firstProjectFrame(result.stderr)
                    failures.append("\(label): exit status \(result.status) (a trap or signal) at \(frame ?? "?"): \(result.stderr.prefix(400))")
                }
            }
        }
        #expect(applied == Self.writeIterations, "seed \(Self.seed): only \(applied) of \(Self.writeIterations) mutations applied")
        #expect(failures.isEmpty, "seed \(Self.seed): \(failures.count) failure(s):\n\(failures.prefix(40).joined(separator: "\n"))")
    }

    @Test func readCommandsAndRestoreNeverTrapOnDamagedFiles() throws {
        let scratch = Scratch()
        let (base, legacy) = try Self.makeBase(in: scratch)
        let output = scratch.file("out.json")
        let readCommands: [[String]] = [
            ["show", "skill-1"], ["list"], ["list", "--json"], ["summary"], ["summary", "--materialized"],
            ["timeline", "--until", "2026-03-02T00:00:00Z"], ["search", "path"], ["report"],
            ["export", "--format", "openmetrics"], ["export-json", output], ["diff-json", legacy],
            ["verify"], ["health"], ["audit", "verify"], ["audit", "replay", "--until-seq", "5"],
        ]
        let target = scratch.file("target.db")
        #expect(try CLI.run(["append", "--skill", "target-only", "--db", target]).status == 0)
        var targetBytes = Self.contents(target)

        var random = SeededGenerator(seed: Self.seed)
        var failures: [String] = []
        var refusedRestores = 0
        let applied = try Self.forEachMutatedCopy(of: base, in: scratch, prefix: "fuzz", iterations: Self.iterations, &random) { file, mutation, attempts in
            let before = Self.contents(file)
            var statuses: [Int32] = []
            defer { print("database fuzz \(attempts) (\(mutation.description)): exit statuses \(statuses)") }
            for command in readCommands {
                let result = try CLI.run(command + ["--db", file], environment: Self.backtrace)
                statuses.append(result.status)
                let label = "seed \(Self.seed), attempt \(attempts) (\(mutation.description)): \(command.joined(separator: " "))"
                switch result.status {
                case 0:
                    if mutation.mustBeRefused { failures.append("\(label): exit 0, expected a refusal") }
                case 1:
                    if result.stdout.isEmpty && result.stderr.isEmpty { failures.append("\(label): exit 1 without a message") }
                case 2:
                    if result.stderr.isEmpty { failures.append("\(label): exit 2 without a message on stderr") }
                default:
                    let frame = Self.firstProjectFrame(result.stderr)
                    failures.append("\(label): exit status \(result.status) (a trap or signal) at \(frame ?? "?"): \(result.stderr.prefix(400))")
                }
            }
            if Self.contents(file) != before {
                failures.append("seed \(Self.seed), attempt \(attempts) (\(mutation.description)): a read command changed the file")
            }
            let restore = try CLI.run(["restore", file, "--db", target], environment: Self.backtrace)
            statuses.append(restore.status)
            let label = "seed \(Self.seed), attempt \(attempts) (\(mutation.description)): restore"
            switch restore.status {
            case 0:
                // Only a byte edit that changed nothing the checks can see may pass; then the
                // target is that file, so put the original target back for the next round.
                if mutation.mustBeRefused { failures.append("\(label): restored a file with an altered schema") }
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: target + suffix) }
                #expect(try CLI.run(["append", "--skill", "target-only", "--db", target]).status == 0)
                targetBytes = Self.contents(target)
            case 1, 2:
                refusedRestores += 1
                if restore.stderr.isEmpty { failures.append("\(label): refused without a message") }
                if Self.contents(target) != targetBytes { failures.append("\(label): refused but the target changed") }
            default:
                let frame = Self.firstProjectFrame(restore.stderr)
                failures.append("\(label): exit status \(restore.status) (a trap or signal) at \(frame ?? "?"): \(restore.stderr.prefix(400))")
            }
        }
        #expect(applied == Self.iterations, "seed \(Self.seed): only \(applied) of \(Self.iterations) mutations applied")
        #expect(refusedRestores > 0, "seed \(Self.seed): restore refused none of the damaged files")
        #expect(failures.isEmpty, "seed \(Self.seed): \(failures.count) failure(s):\n\(failures.prefix(40).joined(separator: "\n"))")
    }
}
