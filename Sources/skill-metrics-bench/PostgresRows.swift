import Foundation
import GRDB
import Logging
import PostgresNIO
import SkillMetrics
import SkillMetricsPostgres
import Synchronization

/// The team-log rows (issue 11, docs/scale-out.md): `push` of N events with the server's
/// projection triggers live, beside a `COPY` of the same rows into a trigger-less table with the
/// same columns (same run; three pushes, each into a fresh log with its COPY beside it, the
/// medians quoted — one with `--quick`); `pull` of the N events into an empty replica; `verify` of the N
/// events on the server. On a throwaway cluster; "skipped" without PostgreSQL binaries.
struct PostgresRows {
    let benchmarks: Benchmarks

    static let pushMeasure = "team log `push`, projections live (PL/pgSQL), vs `COPY` of the same rows into a trigger-less table"
    static let pullMeasure = "team log `pull` into an empty replica"
    static let verifyMeasure = "team log `verify --db postgres://…` (server's events through the Swift projectors)"

    func run(_ kind: WorkloadKind) throws {
        let n = benchmarks.configuration.pgEvents ?? benchmarks.configuration.largeEvents
        let pushRuns = max(1, benchmarks.configuration.pgPushRuns)
        let runs = "1 × \(n / 1000)k"
        let pushRunsText = "\(pushRuns) × \(n / 1000)k"
        if let reason = PostgresBenchCluster.unavailableReason() {
            for (measure, bar) in [(Self.pushMeasure, "≥ 50k events/s and ≥ 0.25× COPY"), (Self.pullMeasure, "≥ 100k events/s"),
                                   (Self.verifyMeasure, "< 5 s at 1M")] {
                benchmarks.table.add(measure, runs: "—", bar: bar, workload: kind, .init(text: "skipped (\(reason))", holds: nil))
            }
            return
        }
        let directory = benchmarks.directory
        Benchmarks.log("team log: \(n) \(kind.rawValue) events, a throwaway PostgreSQL cluster")
        let cluster = try PostgresBenchCluster(under: directory.path)
        defer { cluster.stop() }
        let localFile = try directory.populatedDatabase(kind, "pg-local-\(kind.rawValue)", events: n)
        defer { directory.removeDatabase(localFile) }
        // The local file's pages reach the disk before the clock starts: its writeback would
        // otherwise compete with the first push.
        sync()
        let replicaFile = try directory.freshDatabase("pg-replica-\(kind.rawValue)")
        defer { directory.removeDatabase(replicaFile) }
        let local = try SkillMetricsStore(path: localFile)
        let replica = try SkillMetricsStore(path: replicaFile)
        let logURLs = try (0..<pushRuns).map { run in
            try PostgresURL(try cluster.makeDatabase("team_\(kind.rawValue)_\(run)"))
        }
        let copyURLs = try (0..<pushRuns).map { run in
            try PostgresURL(try cluster.makeDatabase("copy_\(kind.rawValue)_\(run)"))
        }
        let port = cluster.port

        let timings = try Self.blocking { () async throws -> (push: [Double], copy: [Double], pull: Double, verify: Double, consistent: Bool) in
            // Each run pushes the whole local log into a fresh team log, then copies the same
            // rows into a fresh trigger-less table; pull and verify run on the first log.
            var pushes: [Double] = []
            var copies: [Double] = []
            var firstLog: TeamLogConnection?
            for (logURL, copyURL) in zip(logURLs, copyURLs) {
                let log = try await TeamLogConnection.connect(logURL)
                try await PostgresMigrationRunner().migrate(log)
                // Each timed run (push, COPY) starts with no dirty buffers left by the one before.
                try cluster.checkpoint()
                let pushStart = Stopwatch.now()
                let pushed = try await TeamLogPush().run(from: local, to: log)
                pushes.append(Stopwatch.now() - pushStart)
                guard pushed.pushed == n else { throw BenchError("push wrote \(pushed.pushed) of \(n) events") }
                try cluster.checkpoint()
                copies.append(try await Self.copyBaseline(from: local, port: port, database: copyURL.database, sourceID: pushed.sourceID))
                Benchmarks.log("  push \(pushes.count): \(Format.rate(Double(n) / pushes[pushes.count - 1])), COPY \(Format.rate(Double(n) / copies[copies.count - 1]))")
                if firstLog == nil { firstLog = log } else { await log.close() }
            }
            guard let log = firstLog else { throw BenchError("no push ran") }
            let pullStart = Stopwatch.now()
            let pulled = try await TeamLogPull().run(from: log, into: replica)
            let pull = Stopwatch.now() - pullStart
            guard pulled.appended == n else { throw BenchError("pull appended \(pulled.appended) of \(n) events") }
            let verifyStart = Stopwatch.now()
            let verification = try await TeamLogProjections().verify(log)
            let verify = Stopwatch.now() - verifyStart
            await log.close()
            return (pushes, copies, pull, verify, verification.isConsistent && verification.events == n)
        }
        guard timings.consistent else { throw BenchError("verify on the server found differences after the push") }
        let pushRate = Double(n) / Stopwatch.median(timings.push)
        let copyRate = Double(n) / Stopwatch.median(timings.copy)
        let ratio = Stopwatch.median(zip(timings.copy, timings.push).map { $0 / $1 })
        benchmarks.table.add(Self.pushMeasure, runs: pushRunsText, bar: "≥ 50k events/s and ≥ 0.25× COPY", workload: kind,
                             .init(text: "\(Format.rate(pushRate)), \(Format.ratio(ratio)) (COPY: \(Format.rate(copyRate)))",
                                   holds: pushRate >= 50_000 && ratio >= 0.25))
        let pullRate = Double(n) / timings.pull
        benchmarks.table.add(Self.pullMeasure, runs: runs, bar: "≥ 100k events/s", workload: kind,
                             .init(text: "\(Format.rate(pullRate)) (\(Format.duration(timings.pull)))", holds: pullRate >= 100_000))
        let projected = timings.verify * 1_000_000 / Double(n)
        benchmarks.table.add(Self.verifyMeasure, runs: runs, bar: "< 5 s at 1M", workload: kind,
                             .init(text: n == 1_000_000 ? Format.duration(timings.verify)
                                       : "\(Format.duration(timings.verify)) (×\(1_000_000 / max(1, n)) ≈ \(Format.duration(projected)) at 1M)",
                                   holds: projected < 5))
    }

    /// The baseline: the same local rows, read and encoded as push reads and encodes them
    /// (`TeamLogEvent.local`, `TeamLogCopyRows`), sent with `COPY … FROM STDIN` (text format)
    /// in batches of 5,000 into a table with the same columns and no trigger, constraint or
    /// index. Returns its seconds, reading included.
    static func copyBaseline(from store: SkillMetricsStore, port: Int, database: String, sourceID: UUID) async throws -> Double {
        let logger = Logger(label: "bench.copy")
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(),
            configuration: .init(host: "127.0.0.1", port: port, username: "postgres", password: nil, database: database, tls: .disable),
            id: 2, logger: logger)
        defer { Task { try? await connection.close() } }
        _ = try await connection.query("""
            CREATE TABLE copy_baseline (
                source_id uuid, source_seq bigint, id text, skill_name text, invoked_at text, workflow_path text,
                completed integer, duration_seconds double precision, error_type text, session_id text,
                follow_up_actions text, schema_version integer, user_context text, finished integer)
            """, logger: logger)
        let start = Stopwatch.now()
        var after: Int64 = 0
        while true {
            let events = try store.read { db in try TeamLogEvent.local(db, after: after, limit: 5_000) }
            guard let last = events.last else { break }
            let rows = TeamLogCopyRows.encode(events, source: sourceID)
            try await connection.copyFrom(table: "copy_baseline", columns: TeamLogCopyRows.columns, logger: logger) { writer in
                try await writer.write(rows)
            }
            after = last.seq
        }
        return Stopwatch.now() - start
    }

    /// Runs async work to completion from the benchmark's synchronous code.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            box.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        guard let result = box.withLock({ $0 }) else { throw BenchError("async work ended without a result") }
        return try result.get()
    }
}
