import Foundation
import GRDB
import SkillMetrics

/// The workloads, each measured against its baseline in the same run (interleaved runs, so
/// that load from other processes hits both sides alike).
final class Benchmarks {
    let configuration: BenchConfiguration
    let directory: BenchDirectory
    var table = ResultTable()
    /// Median seconds of one durable single-event append (for the legacy comparison).
    var singleAppendSeconds: Double?
    private var runCounter = 0

    init(configuration: BenchConfiguration, directory: BenchDirectory) {
        self.configuration = configuration
        self.directory = directory
    }

    static func log(_ message: String) {
        FileHandle.standardError.write(Data("[bench] \(message)\n".utf8))
    }

    private func prefix(_ stem: String) -> String {
        runCounter += 1
        return String(format: "%@-%04d-4000-8000", stem, runCounter)
    }

    // MARK: append

    /// One event per IMMEDIATE transaction: `SkillMetricsStore.append(_:)` vs the C loop.
    ///
    /// Single appends are bound by the WAL writes and the checkpoints' fdatasync, whose
    /// latency on a shared disk drifts; so the runs are paired (C and Swift back to back, in
    /// alternating order, each on a fresh database) and the ratio is the median of the pairs'
    /// ratios.
    func singleAppend() throws {
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
                return try Workload.insertWithC(path: file, prefix: prefix("c"), count: n, batch: 1, pregenerate: true)
            }
            func runSwift() throws -> Double {
                let file = try directory.freshDatabase("single-swift")
                defer { directory.removeDatabase(file) }
                let events = Workload.events(prefix("s"), count: n)
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
        singleAppendSeconds = swift
        let ratio = Stopwatch.median(ratios)
        table.add(.init(
            workload: "single-event durable append (WAL, synchronous=NORMAL, triggers), `append(_:)`",
            result: "\(Format.duration(swift))/event (\(Format.rate(1 / swift)))",
            runs: "\(rounds) pairs × \(n)",
            baseline: "C prepared INSERT, 1 per txn: \(Format.duration(c))/event (\(Format.rate(1 / c)))",
            ratio: "\(Format.ratio(ratio)) C speed (median of pairs)",
            bar: "≥ 0.80× C", holds: ratio >= 0.8))
    }

    /// 1,000 events per transaction: `append(_:)` with an array vs the C loop batched.
    func batchedAppend() throws {
        let n = configuration.batchEvents
        let size = configuration.batchSize
        Self.log("batched append: \(configuration.batchRuns) × \(n) events in transactions of \(size)")
        var swiftTimes: [Double] = []
        var cTimes: [Double] = []
        for _ in 0..<configuration.batchRuns {
            let cFile = try directory.freshDatabase("batch-c")
            cTimes.append(try Workload.insertWithC(path: cFile, prefix: prefix("c"), count: n, batch: size, pregenerate: true))
            directory.removeDatabase(cFile)

            let swiftFile = try directory.freshDatabase("batch-swift")
            let events = Workload.events(prefix("s"), count: n)
            let batches = stride(from: 0, to: n, by: size).map { Array(events[$0..<min($0 + size, n)]) }
            do {
                let store = try SkillMetricsStore(path: swiftFile)
                swiftTimes.append(try Stopwatch.time {
                    for batch in batches { try store.append(batch) }
                })
            }
            directory.removeDatabase(swiftFile)
        }
        // Diagnostic: the same C loop once the two projection triggers are dropped (a scratch
        // copy of the schema; the library never runs without them). It shows what the live
        // projections cost every writer.
        var bareTimes: [Double] = []
        for _ in 0..<2 {
            let bareFile = try directory.freshDatabase("batch-bare")
            do {
                let store = try SkillMetricsStore(path: bareFile)
                try store.write { db in
                    try db.execute(sql: """
                        DROP TRIGGER skill_invocation_project_skill_metrics;
                        DROP TRIGGER skill_invocation_project_session_skill;
                        """)
                }
            }
            bareTimes.append(try Workload.insertWithC(path: bareFile, prefix: prefix("b"), count: n, batch: size, pregenerate: true))
            directory.removeDatabase(bareFile)
        }
        let swiftRate = Double(n) / Stopwatch.median(swiftTimes)
        let cRate = Double(n) / Stopwatch.median(cTimes)
        let bareRate = Double(n) / Stopwatch.median(bareTimes)
        table.add(.init(
            workload: "batched append, \(size) per transaction, `append(_: [SkillInvocation])`",
            result: Format.rate(swiftRate),
            runs: "\(configuration.batchRuns) × \(n)",
            baseline: "C prepared INSERT, \(size) per txn: \(Format.rate(cRate))",
            ratio: "\(Format.ratio(swiftRate / cRate)) C speed",
            bar: "≥ 100k events/s", holds: swiftRate >= 100_000))
        table.add(.init(
            workload: "diagnostic: C batched, projection triggers dropped (not a library path)",
            result: Format.rate(bareRate),
            runs: "2 × \(n)",
            baseline: "C with the V1 triggers: \(Format.rate(cRate))",
            ratio: "triggers cost \(Format.ratio(bareRate / cRate)) of C's time",
            bar: "—", holds: nil))
    }

    // MARK: large logs

    private var databases: [Int: String] = [:]

    /// A database with `count` workload events (built once, in one transaction, not timed).
    func database(events count: Int) throws -> String {
        if let file = databases[count] { return file }
        Self.log("setup: inserting \(count) events (C, one transaction, triggers on; not timed)")
        let start = Stopwatch.now()
        let file = try directory.populatedDatabase("log\(count)", events: count)
        Self.log(String(format: "setup: %d events in %.1f s", count, Stopwatch.now() - start))
        databases[count] = file
        return file
    }

    /// `metrics(for:)` latency on a small and a large log.
    func showLatency() throws {
        let small = try database(events: configuration.smallEvents)
        let large = try database(events: configuration.largeEvents)
        let smallStore = try SkillMetricsStore(path: small)
        let largeStore = try SkillMetricsStore(path: large)
        Self.log("show: \(configuration.showRuns) runs × \(configuration.showCalls) calls of metrics(for:) on each log")
        func perCall(_ store: SkillMetricsStore) throws -> Double {
            var found = 0
            let seconds = try Stopwatch.time {
                for call in 0..<configuration.showCalls {
                    if try SkillMetricsQueries(store: store).metrics(for: String(format: "skill-%02d", call % 50)) != nil { found += 1 }
                }
            }
            guard found == configuration.showCalls else { throw BenchError("metrics(for:) found \(found) of \(configuration.showCalls) skills") }
            return seconds / Double(configuration.showCalls)
        }
        _ = try perCall(smallStore)
        _ = try perCall(largeStore)
        var smallTimes: [Double] = []
        var largeTimes: [Double] = []
        for _ in 0..<configuration.showRuns {
            smallTimes.append(try perCall(smallStore))
            largeTimes.append(try perCall(largeStore))
        }
        let smallMedian = Stopwatch.median(smallTimes)
        let largeMedian = Stopwatch.median(largeTimes)
        let ratio = largeMedian / smallMedian
        table.add(.init(
            workload: "`show`: `metrics(for:)` at \(configuration.largeEvents / 1000)k events",
            result: "\(Format.duration(largeMedian))/call",
            runs: "\(configuration.showRuns) × \(configuration.showCalls) calls",
            baseline: "same at \(configuration.smallEvents / 1000)k events: \(Format.duration(smallMedian))/call",
            ratio: "\(Format.ratio(ratio)) the small log's latency",
            bar: "≤ 1.5×", holds: ratio <= 1.5))
        try timeline(largeStore)
    }

    /// The 7-day timeline at 1M events: the library's `timeline` (day buckets) against an
    /// equivalent hand-written `GROUP BY day, skill` over `invoked_at`.
    private func timeline(_ store: SkillMetricsStore) throws {
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
        var rowCount = 0
        var bucketCount = 0
        let week: Int64 = 7 * 86_400 * 1_000_000
        for _ in 0..<(configuration.timelineRuns + 1) {
            sqlTimes.append(try Stopwatch.time {
                rowCount = try store.read { db in try Row.fetchAll(db, sql: sql, arguments: [start, end]).count }
            })
            libraryTimes.append(try Stopwatch.time {
                bucketCount = try TimelineQuery(store: store).run(windowMicroseconds: week, bucket: .day, end: endInstant).buckets.count
            })
        }
        sqlTimes.removeFirst()  // warm-up
        libraryTimes.removeFirst()
        let sqlMedian = Stopwatch.median(sqlTimes)
        let libraryMedian = Stopwatch.median(libraryTimes)
        table.add(.init(
            workload: "timeline, 7-day window at \(configuration.largeEvents / 1000)k events (`timeline(…)`, day buckets, \(bucketCount) buckets)",
            result: Format.duration(libraryMedian),
            runs: "\(configuration.timelineRuns)",
            baseline: "hand-written SQL `GROUP BY day, skill` (\(rowCount) rows): \(Format.duration(sqlMedian))",
            ratio: "\(Format.ratio(libraryMedian / sqlMedian)) the SQL's time",
            bar: "—", holds: nil))
    }

    /// Rebuild and verify of the large log vs SQLite's own GROUP BY recomputation of the
    /// scalar projection columns.
    func rebuildAndVerify() throws {
        let file = try database(events: configuration.largeEvents)
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
        table.add(.init(
            workload: "rebuild at \(events / 1000)k events (Swift projectors, atomic swap)",
            result: "\(Format.duration(rebuild)) (\(Format.rate(rebuildRate)))",
            runs: "\(configuration.largeRuns)",
            baseline: "SQLite `INSERT … SELECT … GROUP BY` (table scan) of the scalar columns: \(Format.duration(sql))",
            ratio: "\(Format.ratio(sql / rebuild)) SQL speed",
            bar: "≥ 1M events/s", holds: rebuildRate >= 1_000_000))
        table.add(.init(
            workload: "verify at \(events / 1000)k events\(consistent ? "" : " — **REPORTED DIFFERENCES**")",
            result: "\(Format.duration(verify)) (\(Format.rate(Double(events) / verify)))",
            runs: "\(configuration.largeRuns)",
            baseline: "same SQL: \(Format.duration(sql))",
            ratio: "\(Format.ratio(sql / verify)) SQL speed",
            bar: "< 2 s", holds: verify < 2 && consistent))
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
    func rebuildMemory() throws {
        let medium = try database(events: configuration.mediumEvents)
        let large = try database(events: configuration.largeEvents)
        Self.log("rss: rebuild in child processes at \(configuration.mediumEvents) and \(configuration.largeEvents) events")
        let floor = try RSSProbe.measure(.open, database: large)
        let mediumKB = try RSSProbe.measure(.rebuild, database: medium)
        let largeKB = try RSSProbe.measure(.rebuild, database: large)
        let ratio = Double(largeKB) / Double(mediumKB)
        table.add(.init(
            workload: "peak RSS of `rebuild` at \(configuration.largeEvents / 1000)k events (child process, `ru_maxrss`)",
            result: Format.megabytes(largeKB),
            runs: "1 each",
            baseline: "at \(configuration.mediumEvents / 1000)k events: \(Format.megabytes(mediumKB)) (open only: \(Format.megabytes(floor)))",
            ratio: "\(Format.ratio(ratio)) the \(configuration.mediumEvents / 1000)k peak",
            bar: "≤ 1.5×", holds: ratio <= 1.5))
    }

    // MARK: legacy

    /// Import of a 100k-invocation legacy file, and the per-invocation cost of the legacy
    /// tracker's whole-file rewrite at 10k invocations.
    func legacy() throws {
        let n = configuration.importInvocations
        let importFile = directory.file("legacy-\(n)", "json")
        Self.log("legacy: writing a \(n)-invocation crackerjack file (not timed)")
        try LegacyJSONGenerator.write(invocations: n, to: importFile)
        let databaseFile = try directory.freshDatabase("import")
        var importTimes: [Double] = []
        var wired = true
        for _ in 0..<3 where wired {
            let file = importTimes.isEmpty ? databaseFile : try directory.freshDatabase("import")
            let seconds = try Stopwatch.time {
                wired = try LegacyImportHook.importLegacy(jsonPath: importFile, databasePath: file)
            }
            if wired { importTimes.append(seconds) }
        }
        if wired {
            let median = Stopwatch.median(importTimes)
            table.add(.init(
                workload: "legacy import of \(n / 1000)k invocations (`DataMigrator`)",
                result: "\(Format.duration(median)) (\(Format.rate(Double(n) / median)))",
                runs: "\(importTimes.count)", baseline: "—", ratio: "—",
                bar: "< 2 s", holds: median < 2))
        } else {
            table.add(.init(
                workload: "legacy import of \(n / 1000)k invocations",
                result: "**not wired**: importer on another branch; input generator ready (`LegacyImportHook`)",
                runs: "—", baseline: "—", ratio: "—", bar: "< 2 s", holds: nil))
        }

        let rewriteFile = directory.file("legacy-\(configuration.rewriteInvocations)", "json")
        try LegacyJSONGenerator.write(invocations: configuration.rewriteInvocations, to: rewriteFile)
        Self.log("legacy: python3 json.dumps(indent=2) + write of \(configuration.rewriteInvocations) invocations × \(configuration.rewriteRuns)")
        let scratch = directory.file("rewrite", "json")
        if let rewrite = try PythonRewriteBaseline.medianRewriteSeconds(file: rewriteFile, scratch: scratch, runs: configuration.rewriteRuns) {
            let append = singleAppendSeconds
            table.add(.init(
                workload: "legacy tracker: rewrite the whole JSON file per completion, at \(rewrite.invocations / 1000)k invocations (python3 `json.dumps(indent=2)` + write)",
                result: "\(Format.duration(rewrite.seconds))/invocation",
                runs: "\(configuration.rewriteRuns)",
                baseline: append.map { "durable `append(_:)`: \(Format.duration($0))/event" } ?? "— (run `single` for the ratio)",
                ratio: append.map { "append is \(String(format: "%.0f", rewrite.seconds / $0))× cheaper" } ?? "—",
                bar: "—", holds: nil))
        } else {
            table.add(.init(
                workload: "legacy tracker: whole-file rewrite per completion",
                result: "skipped: python3 not found or failed", runs: "—", baseline: "—", ratio: "—", bar: "—", holds: nil))
        }
    }
}
