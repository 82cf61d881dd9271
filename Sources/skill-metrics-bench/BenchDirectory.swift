import Foundation
import SkillMetrics

/// The benchmark's scratch directory (under $TMPDIR), removed at the end of the run.
final class BenchDirectory {
    let path: String
    private var counter = 0

    init() throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        path = base + "/skill-metrics-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A new file name in the directory.
    func file(_ stem: String, _ ext: String = "db") -> String {
        counter += 1
        return path + "/\(stem)-\(counter).\(ext)"
    }

    /// Creates and migrates an empty database with the library (the V1 schema from the
    /// embedded migrations) and closes it again.
    func freshDatabase(_ stem: String) throws -> String {
        let file = file(stem)
        _ = try SkillMetricsStore(path: file)
        return file
    }

    /// A database holding `count` workload events, inserted by the C baseline in one
    /// transaction (triggers on, so the projections are live), then checkpointed.
    func populatedDatabase(_ stem: String, events count: Int) throws -> String {
        let file = try freshDatabase(stem)
        _ = try Workload.insertWithC(path: file, prefix: stem, count: count, batch: count, pregenerate: false)
        return file
    }

    /// Deletes a database and its WAL files.
    func removeDatabase(_ file: String) {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: file + suffix)
        }
    }
}
