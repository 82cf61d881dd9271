import Foundation
import GRDB
import SkillMetrics

/// The measures, each run on every workload of the family against its baseline in the same
/// run (interleaved runs, so that load from other processes hits both sides alike).
final class Benchmarks {
    let configuration: BenchConfiguration
    let directory: BenchDirectory
    var table: ResultTable
    /// Median seconds of one durable single-event append, per workload (for the legacy comparison).
    var singleAppendSeconds: [WorkloadKind: Double] = [:]
    private var runCounter = 0

    init(configuration: BenchConfiguration, directory: BenchDirectory) {
        self.configuration = configuration
        self.directory = directory
        self.table = ResultTable(workloads: configuration.workloads)
    }

    static func log(_ message: String) {
        FileHandle.standardError.write(Data("[bench] \(message)\n".utf8))
    }

    private func prefix(_ stem: String) -> String {
        runCounter += 1
        return String(format: "%@-%04d-4000-8000", stem, runCounter)
    }

    /// Every selected measure on `kind`; its large databases are removed afterwards.
    func run(_ kind: WorkloadKind) throws {
        Self.log("workload \(kind.rawValue)")
        defer { removeDatabases() }
        if configuration.runs("single") { try singleAppend(kind) }
        if configuration.runs("batch") { try batchedAppend(kind) }
        if configuration.runs("cli") { try cliAppend(kind) }
        if configuration.runs("foreign") {
            try foreignClient(kind)
            try foreignClient(kind, defaultTempStore: true)
        }
        if configuration.runs("show") { try showLatency(kind) }
        if configuration.runs("rebuild") { try rebuildAndVerify(kind) }
        if configuration.runs("rss") { try rebuildMemory(kind) }
        if configuration.runs("legacy") { try legacy(kind) }
        if configuration.runs("pg") { try PostgresRows(benchmarks: self).run(kind) }
    }

    // MARK: append

    /// One event per IMMEDIATE transaction: `SkillMetricsStore.append(_:)` vs the C loop.
    ///
    /// Single appends are bound by the WAL writes and the checkpoints' fdatasync, whose
    /// latency on a shared disk drifts; so the runs are paired (C and Swift back to back, in
    /// alternating order, each on a fresh database) and the ratio is the median of the pairs'
    /// ratios.
    func singleAppend(_ kind: WorkloadKind) throws {
        let n = configuration.singleAppendEvents
        let rounds = configuration.singleAppendRuns
        Self.log("single-event append: \(rounds) paired runs × \(n) events, each side on a fresh database")
        var swiftTimes: [Double] = []
        var cTimes: [Double] = []
        var ratios: [Double] = []
        for round in 0..<rounds {
            func runC() throws -> Double {
                let file = try directory.freshDatabase("single-c")
                defer { directory.removeDatabase(file) }
                return try Workload.insertWithC(kind, path: file, prefix: prefix("c"), count: n, batch: 1, pregenerate: true)
            }
            func runSwift() throws -> Double {
                let file = try directory.freshDatabase("single-swift")
                defer { directory.removeDatabase(file) }
                let events = Workload.events(kind, prefix("s"), count: n)
                let store = try SkillMetricsStore(path: file)
                return try Stopwatch.time {
                    for event in events { try store.append(event) }
                }
            }
            let c: Double, swift: Double
            if round % 2 == 0 {
                c = try runC()
                swift = try runSwift()
            } else {
                swift = try runSwift()
                c = try runC()
            }
            cTimes.append(c)
            swiftTimes.append(swift)
            ratios.append(c / swift)
        }
        let swift = Stopwatch.median(swiftTimes) / Double(n)
        let c = Stopwatch.median(cTimes) / Double(n)
        singleAppendSeconds[kind] = swift
        let ratio = Stopwatch.median(ratios)
        table.add("single-event durable append (WAL, synchronous=NORMAL, triggers), `append(_:)`, vs C prepared INSERT, 1 per txn; median of pair ratios",
                  runs: "\(rounds) pairs × \(n)", bar: "≥ 0.80× C", workload: kind,
                  .init(text: "\(Format.ratio(ratio)) (\(Format.duration(swift)) vs \(Format.duration(c))/event)", holds: ratio >= 0.8))
    }

    /// 1,000 events per transaction: `append(_:)` with an array vs the C loop batched.
    func batchedAppend(_ kind: WorkloadKind) throws {
        let n = configuration.batchEvents
        let size = configuration.batchSize
        Self.log("batched append: \(configuration.batchRuns) × \(n) events in transactions of \(size)")
        var swiftTimes: [Double] = []
        var cTimes: [Double] = []
        for _ in 0..<configuration.batchRuns {
            let cFile = try directory.freshDatabase("batch-c")
            cTimes.append(try Workload.insertWithC(kind, path: cFile, prefix: prefix("c"), count: n, batch: size, pregenerate: true))
            directory.removeDatabase(cFile)

            let swiftFile = try directory.freshDatabase("batch-swift")
            let events = Workload.events(kind, prefix("s"), count: n)
            let batches = stride(from: 0, to: n, by: size).map { Array(events[$0..<min($0 + size, n)]) }
            do {
                let store = try SkillMetricsStore(path: swiftFile)
                swiftTimes.append(try Stopwatch.time {
                    for batch in batches { try store.append(batch) }
                })
            }
            directory.removeDatabase(swiftFile)
        }
        let swiftRate = Double(n) / Stopwatch.median(swiftTimes)
        let cRate = Double(n) / Stopwatch.median(cTimes)
        table.add("batched append, \(size) per transaction, `append(_: [SkillInvocation])` (C prepared INSERT, same batches, beside it)",
                  runs: "\(configuration.batchRuns) × \(n)", bar: "≥ 100k events/s", workload: kind,
                  .init(text: "\(Format.rate(swiftRate)) (C: \(Format.rate(cRate)))", holds: swiftRate >= 100_000))
    }

    /// The CLI: `skill-metrics append --jsonl FILE --batch-size 1000` of a JSONL file written
    /// by the C generator, end to end (process start, parse, append).
    func cliAppend(_ kind: WorkloadKind) throws {
        let n = configuration.cliEvents
        let measure = "CLI `append --jsonl --batch-size 1000`, \(n / 1000)k events, end to end"
        guard let cli = CLIBinary.path() else {
            table.add(measure, runs: "—", bar: "≥ 100k events/s", workload: kind,
                      .init(text: "skipped: no `skill-metrics` binary beside the bench (build all products)", holds: nil))
            return
        }
        let input = directory.file("cli-\(kind.rawValue)", "jsonl")
        try Workload.writeJSONL(kind, path: input, prefix: prefix("j"), count: n)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let file = try directory.freshDatabase("cli")
        defer { directory.removeDatabase(file) }
        Self.log("cli: append --jsonl of \(n) events")
        var output = ""
        let seconds = try Stopwatch.time {
            output = try CLIBinary.run(cli, ["append", "--db", file, "--jsonl", input, "--batch-size", "1000"])
        }
        guard output.contains("appended \(n) events") else { throw BenchError("cli append: unexpected output \(output.prefix(200))") }
        let rate = Double(n) / seconds
        table.add(measure, runs: "1", bar: "≥ 100k events/s", workload: kind,
                  .init(text: "\(Format.rate(rate)) (\(Format.duration(seconds)))", holds: rate >= 100_000))
    }

    /// A foreign client: the C loop's plain INSERTs (libsqlite3, 1,000 per transaction) on the
    /// full schema vs the same schema with the projection triggers dropped. Runs are paired (the
    /// two sides back to back, alternating which goes first, each on a fresh database) and the
    /// ratio is the **median of the pairs' ratios**, as for the single append: a run of either
    /// side takes about a second, and the machine's load drifts over the minutes of the row.
    ///
    /// With `defaultTempStore` both sides leave `temp_store` at SQLite's default, as a client
    /// that sets no such pragma (Python's `sqlite3`) does; otherwise both run with the store's
    /// `temp_store = MEMORY`. The triggers' statement journals outgrow 64 KiB and, with the
    /// default, go to files (docs/python.md), so the bar is judged on the worse of the two rows.
    func foreignClient(_ kind: WorkloadKind, defaultTempStore: Bool = false) throws {
        let n = configuration.foreignEvents
        Self.log("foreign client (\(defaultTempStore ? "default temp_store" : "temp_store=MEMORY")): \(configuration.foreignRuns) paired runs × \(n) C inserts with and without the projection triggers")
        var withTimes: [Double] = []
        var bareTimes: [Double] = []
        var ratios: [Double] = []
        var dropped = 0
        for round in 0..<configuration.foreignRuns {
            func withTriggers() throws -> Double {
                let file = try directory.freshDatabase("foreign")
                defer { directory.removeDatabase(file) }
                return try Workload.insertWithC(
                    kind, path: file, prefix: prefix("f"), count: n, batch: 1000, pregenerate: true, defaultTempStore: defaultTempStore)
            }
            func bare() throws -> Double {
                let file = try directory.freshDatabase("foreign-bare")
                defer { directory.removeDatabase(file) }
                do {
                    let store = try SkillMetricsStore(path: file)
                    dropped = try ProjectionTriggers.drop(store).count
                }
                return try Workload.insertWithC(
                    kind, path: file, prefix: prefix("b"), count: n, batch: 1000, pregenerate: true, defaultTempStore: defaultTempStore)
            }
            let (with, without): (Double, Double)
            if round.isMultiple(of: 2) {
                with = try withTriggers()
                without = try bare()
            } else {
                without = try bare()
                with = try withTriggers()
            }
            withTimes.append(with)
            bareTimes.append(without)
            // Rate with triggers / rate without = time without / time with.
            ratios.append(without / with)
        }
        let withRate = Double(n) / Stopwatch.median(withTimes)
        let bareRate = Double(n) / Stopwatch.median(bareTimes)
        let ratio = Stopwatch.median(ratios)
        let spread = "pairs \(Format.ratio(ratios.min() ?? 0))–\(Format.ratio(ratios.max() ?? 0))"
        let client = defaultTempStore ? " with SQLite's default temp_store (no pragma, as Python's sqlite3)" : ""
        table.add("foreign client\(client): C plain INSERTs, 1000 per txn, all triggers vs the \(dropped) projection triggers dropped; median of pair ratios",
                  runs: "\(configuration.foreignRuns) pairs × \(n)", bar: "≥ 0.33×", workload: kind,
                  .init(text: "\(Format.ratio(ratio)) (\(Format.rate(withRate)) vs \(Format.rate(bareRate)); \(spread))", holds: ratio >= 0.33))
    }

    // MARK: large logs

    private var databases: [Int: String] = [:]

    /// A database with `count` events of the current workload (built once, not timed).
    func database(_ kind: WorkloadKind, events count: Int) throws -> String {
        if let file = databases[count] { return file }
        Self.log("setup: \(count) \(kind.rawValue) events (C, one transaction, projection triggers suspended, then rebuild; not timed)")
        let start = Stopwatch.now()
        let file = try directory.populatedDatabase(kind, "log\(count)-\(kind.rawValue)", events: count)
        Self.log(String(format: "setup: %d events in %.1f s", count, Stopwatch.now() - start))
        databases[count] = file
        return file
    }

    private func removeDatabases() {
        for file in databases.values { directory.removeDatabase(file) }
        databases = [:]
    }

    /// The skill names of a log, most used first.
    static func skillNames(_ store: SkillMetricsStore) throws -> [String] {
        try store.read { db in
            try String.fetchAll(db, sql: "SELECT skill_name FROM skill_metrics ORDER BY total_invocations DESC, skill_name")
        }
    }

    /// `metrics(for:)` latency on a small and a large log (the skills both logs hold).
    func showLatency(_ kind: WorkloadKind) throws {
        let small = try database(kind, events: configuration.smallEvents)
        let large = try database(kind, events: configuration.largeEvents)
        let smallStore = try SkillMetricsStore(path: small)
        let largeStore = try SkillMetricsStore(path: large)
        let names = Set(try Self.skillNames(smallStore))
        let skills = try Self.skillNames(largeStore).filter { names.contains($0) }
        guard !skills.isEmpty else { throw BenchError("show: no skill in both logs") }
        Self.log("show: \(configuration.showRuns) runs × \(configuration.showCalls) calls of metrics(for:) on each log, \(skills.count) skills")
        func perCall(_ store: SkillMetricsStore) throws -> Double {
            var found = 0
            let queries = SkillMetricsQueries(store: store)
            let seconds = try Stopwatch.time {
                for call in 0..<configuration.showCalls {
                    if try queries.metrics(for: skills[call % skills.count]) != nil { found += 1 }
                }
            }
            guard found == configuration.showCalls else { throw BenchError("metrics(for:) found \(found) of \(configuration.showCalls) skills") }
            return seconds / Double(configuration.showCalls)
        }
        let (smallMedian, largeMedian) = try alternatingMedians(smallStore, largeStore, perCall)
        let ratio = largeMedian / smallMedian
        table.add("`show`: `metrics(for:)` at \(configuration.largeEvents / 1000)k vs \(configuration.smallEvents / 1000)k events (same skills)",
                  runs: "\(configuration.showRuns) × \(configuration.showCalls) calls", bar: "≤ 1.5×", workload: kind,
                  .init(text: "\(Format.ratio(ratio)) (\(Format.duration(largeMedian)) vs \(Format.duration(smallMedian))/call)", holds: ratio <= 1.5))
        try sameAnswers(kind, largeStore, skills: skills, perCall: perCall)
        try timeline(kind, largeStore)
    }

    /// `perCall` on two stores, one warm-up call each, then ``BenchConfiguration/showRuns``
    /// times each, alternating; the two medians.
    private func alternatingMedians(
        _ first: SkillMetricsStore, _ second: SkillMetricsStore, _ perCall: (SkillMetricsStore) throws -> Double
    ) throws -> (Double, Double) {
        _ = try perCall(first)
        _ = try perCall(second)
        var firstTimes: [Double] = []
        var secondTimes: [Double] = []
        for _ in 0..<configuration.showRuns {
            firstTimes.append(try perCall(first))
            secondTimes.append(try perCall(second))
        }
        return (Stopwatch.median(firstTimes), Stopwatch.median(secondTimes))
    }

    /// The `show` row with the answer held equal: the large log against a log of only the
    /// events that first brought each skill and each of its keys (a path, an error, an action)
    /// into it, in their order — every skill's answer then has the same keys in the same order
    /// (checked), with other counts, from a log of about 1 % of the events. A diagnostic beside
    /// the bar's row (whose small log's answers are several times shorter): what grows with the
    /// log's events, as against with its keys.
    private func sameAnswers(
        _ kind: WorkloadKind, _ largeStore: SkillMetricsStore, skills: [String],
        perCall: (SkillMetricsStore) throws -> Double
    ) throws {
        let firstsFile = try directory.freshDatabase("firsts-\(kind.rawValue)")
        defer { directory.removeDatabase(firstsFile) }
        let firstsStore = try SkillMetricsStore(path: firstsFile)
        let columns = EventLog.insertColumns
        let rows = try largeStore.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(columns) FROM skill_invocation WHERE seq IN (
                    SELECT min(seq) FROM skill_invocation WHERE finished = 1 GROUP BY skill_name
                    UNION SELECT min(seq) FROM skill_invocation WHERE finished = 1 AND workflow_path <> '' GROUP BY skill_name, workflow_path
                    UNION SELECT min(seq) FROM skill_invocation WHERE finished = 1 AND error_type <> '' GROUP BY skill_name, error_type
                    UNION SELECT min(i.seq) FROM skill_invocation AS i, json_each(i.follow_up_actions) AS a
                          WHERE i.finished = 1 GROUP BY i.skill_name, a.value)
                ORDER BY seq
                """)
        }
        try firstsStore.write { db in
            let insert = try db.makeStatement(sql: EventLog.insertSQL)
            for row in rows {
                try insert.execute(arguments: StatementArguments(Array(row.databaseValues)))
            }
        }
        let largeQueries = SkillMetricsQueries(store: largeStore), firstsQueries = SkillMetricsQueries(store: firstsStore)
        func keys(_ row: SkillMetricsRow?) -> [[String]] {
            guard let row else { return [] }
            return [row.workflowPaths, row.commonErrors, row.followUpActions].map { $0.entries.map(\.key) }
        }
        for skill in skills {
            guard try keys(largeQueries.metrics(for: skill)) == keys(firstsQueries.metrics(for: skill)) else {
                throw BenchError("show: the first-appearance log's answer for \(skill) has other keys than the large log's")
            }
        }
        let (firstsMedian, largeMedian) = try alternatingMedians(firstsStore, largeStore, perCall)
        let ratio = largeMedian / firstsMedian
        table.add("`show` with the answers held equal (diagnostic): `metrics(for:)` at \(configuration.largeEvents / 1000)k events vs a log of only the events that first brought each skill and key (\(rows.count) events; same keys, same order)",
                  runs: "\(configuration.showRuns) × \(configuration.showCalls) calls", bar: "diagnostic, no bar", workload: kind,
                  .init(text: "\(Format.ratio(ratio)) (\(Format.duration(largeMedian)) vs \(Format.duration(firstsMedian))/call)", holds: nil))
    }

    /// The 7-day timeline at 1M events: the library's `timeline` (day buckets) against an
    /// equivalent hand-written `GROUP BY day, skill` over `invoked_at`.
    private func timeline(_ kind: WorkloadKind, _ store: SkillMetricsStore) throws {
        let end = Workload.invokedAtText(configuration.largeEvents)
        let start = Workload.invokedAtText(configuration.largeEvents - 7 * 24 * 120)  // one event per 30 s
        guard let endInstant = Timestamp.parseCanonical(end) else {
            throw BenchError("timeline: cannot parse \(end)")
        }
        let sql = """
            SELECT substr(invoked_at, 1, 10) AS day, skill_name, count(*), sum(completed),
                   total(duration_seconds)
            FROM skill_invocation
            WHERE finished = 1 AND invoked_at >= ? AND invoked_at < ?
            GROUP BY day, skill_name ORDER BY day, skill_name
            """
        var sqlTimes: [Double] = []
        var libraryTimes: [Double] = []
        let week: Int64 = 7 * 86_400 * 1_000_000
        for _ in 0..<(configuration.timelineRuns + 1) {
            sqlTimes.append(try Stopwatch.time {
                _ = try store.read { db in try Row.fetchAll(db, sql: sql, arguments: [start, end]).count }
            })
            libraryTimes.append(try Stopwatch.time {
                _ = try TimelineQuery(store: store).run(windowMicroseconds: week, bucket: .day, end: endInstant).buckets.count
            })
        }
        sqlTimes.removeFirst()  // warm-up
        libraryTimes.removeFirst()
        let sqlMedian = Stopwatch.median(sqlTimes)
        let libraryMedian = Stopwatch.median(libraryTimes)
        table.add("timeline, 7-day window at \(configuration.largeEvents / 1000)k events (`timeline(…)`, day buckets) vs hand-written SQL `GROUP BY day, skill`",
                  runs: "\(configuration.timelineRuns)", bar: "—", workload: kind,
                  .init(text: "\(Format.ratio(libraryMedian / sqlMedian)) the SQL's time (\(Format.duration(libraryMedian)) vs \(Format.duration(sqlMedian)))", holds: nil))
    }

    /// Rebuild and verify of the large log vs SQLite's own GROUP BY recomputation of the
    /// scalar projection columns.
    func rebuildAndVerify(_ kind: WorkloadKind) throws {
        let file = try database(kind, events: configuration.largeEvents)
        let store = try SkillMetricsStore(path: file)
        let events = configuration.largeEvents
        Self.log("rebuild/verify: \(configuration.largeRuns) runs each at \(events) events, with the SQL baseline")
        var sqlTimes: [Double] = []
        var rebuildTimes: [Double] = []
        var verifyTimes: [Double] = []
        var consistent = true
        for _ in 0..<configuration.largeRuns {
            sqlTimes.append(try Stopwatch.time { try Self.sqlRecompute(store) })
            rebuildTimes.append(try Stopwatch.time {
                let result = try store.rebuild()
                guard result.events == events else { throw BenchError("rebuild folded \(result.events) events, expected \(events)") }
            })
            verifyTimes.append(try Stopwatch.time {
                let result = try store.verify()
                if !result.isConsistent { consistent = false }
            })
        }
        let sql = Stopwatch.median(sqlTimes)
        let rebuild = Stopwatch.median(rebuildTimes)
        let verify = Stopwatch.median(verifyTimes)
        let rebuildRate = Double(events) / rebuild
        table.add("rebuild at \(events / 1000)k events (Swift projectors, atomic swap) vs SQLite `INSERT … SELECT … GROUP BY` (table scan) of the scalar columns",
                  runs: "\(configuration.largeRuns)", bar: "≥ 1M events/s and ≥ 1.0× SQL", workload: kind,
                  .init(text: "\(Format.rate(rebuildRate)), \(Format.ratio(sql / rebuild)) SQL speed (\(Format.duration(rebuild)) vs \(Format.duration(sql)))",
                        holds: rebuildRate >= 1_000_000 && sql / rebuild >= 1.0))
        table.add("verify at \(events / 1000)k events",
                  runs: "\(configuration.largeRuns)", bar: "< 2 s, consistent", workload: kind,
                  .init(text: "\(Format.duration(verify))\(consistent ? "" : " — **REPORTED DIFFERENCES**")", holds: verify < 2 && consistent))
    }

    /// SQLite's own recomputation of the projections' scalar columns (counts, duration sums,
    /// first/last seq) into temporary tables: the floor for a projector that reads every event.
    /// `NOT INDEXED` makes both GROUP BYs scan the table in rowid order, as the projectors do;
    /// the planner's own choice (walking the skill or session index with a table lookup per
    /// row) is about 2.5× slower on this log, a weaker baseline.
    static func sqlRecompute(_ store: SkillMetricsStore) throws {
        try store.write { db in
            try db.execute(sql: """
                CREATE TEMP TABLE IF NOT EXISTS bench_skill (
                    skill_name TEXT PRIMARY KEY, total INTEGER, completed INTEGER, abandoned INTEGER,
                    total_duration REAL, first_seq INTEGER, last_seq INTEGER);
                CREATE TEMP TABLE IF NOT EXISTS bench_session (
                    session_id TEXT, skill_name TEXT, invocation_count INTEGER, total_duration REAL,
                    first_seq INTEGER, last_seq INTEGER, PRIMARY KEY (session_id, skill_name));
                DELETE FROM bench_skill;
                DELETE FROM bench_session;
                INSERT INTO bench_skill
                    SELECT skill_name, count(*), sum(completed), sum(1 - completed),
                           total(CASE WHEN completed = 1 AND duration_seconds <> 0 THEN duration_seconds END),
                           min(seq), max(seq)
                    FROM skill_invocation NOT INDEXED WHERE finished = 1 GROUP BY skill_name;
                INSERT INTO bench_session
                    SELECT session_id, skill_name, count(*), total(duration_seconds), min(seq), max(seq)
                    FROM skill_invocation NOT INDEXED WHERE finished = 1 AND session_id IS NOT NULL
                    GROUP BY session_id, skill_name;
                """)
        }
    }

    /// Peak RSS of a rebuild in a child process, at the medium and the large log size.
    func rebuildMemory(_ kind: WorkloadKind) throws {
        let medium = try database(kind, events: configuration.mediumEvents)
        let large = try database(kind, events: configuration.largeEvents)
        Self.log("rss: rebuild in child processes at \(configuration.mediumEvents) and \(configuration.largeEvents) events")
        let floor = try RSSProbe.measure(.open, [large])
        let mediumKB = try RSSProbe.measure(.rebuild, [medium])
        let largeKB = try RSSProbe.measure(.rebuild, [large])
        let ratio = Double(largeKB) / Double(mediumKB)
        // What the fold holds beside the skills: one entry per (session, skill) pair, so a log
        // whose sessions keep arriving has ten times the pairs at ten times the events.
        let pairs = try [large, medium].map { file in
            try SkillMetricsStore(path: file).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM session_skill") ?? 0 }
        }
        table.add("peak RSS of `rebuild` (child process, `ru_maxrss`) at \(configuration.largeEvents / 1000)k vs \(configuration.mediumEvents / 1000)k events",
                  runs: "1 each", bar: "≤ 1.5×", workload: kind,
                  .init(text: "\(Format.ratio(ratio)) (\(Format.megabytes(largeKB)) vs \(Format.megabytes(mediumKB)); open only \(Format.megabytes(floor)); session pairs \(pairs[0]) vs \(pairs[1]))", holds: ratio <= 1.5))
    }

    // MARK: legacy

    /// Import of a 100k-invocation legacy file (time, ratio to python's `json.load`, peak RSS
    /// against the file's size), and the per-invocation cost of the legacy tracker's
    /// whole-file rewrite at 10k invocations.
    func legacy(_ kind: WorkloadKind) throws {
        let n = configuration.importInvocations
        let importFile = directory.file("legacy-\(kind.rawValue)-\(n)", "json")
        Self.log("legacy: writing a \(n)-invocation crackerjack file (not timed)")
        try LegacyJSONGenerator.write(kind, invocations: n, to: importFile)
        defer { try? FileManager.default.removeItem(atPath: importFile) }
        let fileBytes = (try FileManager.default.attributesOfItem(atPath: importFile)[.size] as? NSNumber)?.intValue ?? 0
        var importTimes: [Double] = []
        var pythonTimes: [Double] = []
        for _ in 0..<configuration.importRuns {
            let file = try directory.freshDatabase("import")
            importTimes.append(try Stopwatch.time {
                try LegacyImportHook.importLegacy(jsonPath: importFile, databasePath: file)
            })
            directory.removeDatabase(file)
            if let python = try PythonJSONLoad.seconds(file: importFile) { pythonTimes.append(python) }
        }
        let median = Stopwatch.median(importTimes)
        let size = Format.megabytes(bytes: fileBytes)
        table.add("legacy import of \(n / 1000)k invocations (`DataMigrator`, end to end: read, parse, append, validate)",
                  runs: "\(configuration.importRuns)", bar: "< 2 s", workload: kind,
                  .init(text: "\(Format.duration(median)) (\(Format.rate(Double(n) / median)); file \(size))", holds: median < 2))
        if pythonTimes.isEmpty {
            table.add("legacy import vs python3 `json.load` of the same file", runs: "—", bar: "≤ 4×", workload: kind,
                      .init(text: "skipped: python3 not found or failed", holds: nil))
        } else {
            let python = Stopwatch.median(pythonTimes)
            let ratio = median / python
            table.add("legacy import vs python3 `json.load` of the same file (time ratio)",
                      runs: "\(configuration.importRuns) each", bar: "≤ 4×", workload: kind,
                      .init(text: "\(Format.ratio(ratio)) (\(Format.duration(median)) vs \(Format.duration(python)))", holds: ratio <= 4))
        }
        let database = try directory.freshDatabase("import-rss")
        let openKB = try RSSProbe.measure(.open, [database])
        let parseKB = try RSSProbe.measure(.parseLegacy, [database, importFile])
        let importKB = try RSSProbe.measure(.importLegacy, [database, importFile])
        directory.removeDatabase(database)
        let ratio = Double(importKB) * 1024 / Double(max(fileBytes, 1))
        table.add("peak RSS of the legacy import (child process, `ru_maxrss`) vs the file's size",
                  runs: "1", bar: "≤ 3×", workload: kind,
                  .init(text: "\(Format.ratio(ratio)) (\(Format.megabytes(importKB)) for \(size); parse alone \(Format.megabytes(parseKB)), open only \(Format.megabytes(openKB)))", holds: ratio <= 3))

        let rewriteFile = directory.file("legacy-\(kind.rawValue)-\(configuration.rewriteInvocations)", "json")
        try LegacyJSONGenerator.write(kind, invocations: configuration.rewriteInvocations, to: rewriteFile)
        defer { try? FileManager.default.removeItem(atPath: rewriteFile) }
        Self.log("legacy: python3 json.dumps(indent=2) + write of \(configuration.rewriteInvocations) invocations × \(configuration.rewriteRuns)")
        let scratch = directory.file("rewrite", "json")
        let measure = "legacy tracker: rewrite the whole JSON file per completion at \(configuration.rewriteInvocations / 1000)k invocations (python3 `json.dumps(indent=2)` + write) vs durable `append(_:)`"
        if let rewrite = try PythonRewriteBaseline.medianRewriteSeconds(file: rewriteFile, scratch: scratch, runs: configuration.rewriteRuns) {
            let append = singleAppendSeconds[kind]
            let versus = append.map { ", append \(String(format: "%.0f", rewrite.seconds / $0))× cheaper" } ?? ""
            table.add(measure, runs: "\(configuration.rewriteRuns)", bar: "—", workload: kind,
                      .init(text: "\(Format.duration(rewrite.seconds))/invocation\(versus)", holds: nil))
        } else {
            table.add(measure, runs: "—", bar: "—", workload: kind, .init(text: "skipped: python3 not found or failed", holds: nil))
        }
    }
}
