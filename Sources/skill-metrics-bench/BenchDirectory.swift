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

    /// A database holding `count` events of `kind`, inserted by the C baseline in one
    /// transaction with the projection triggers suspended (dropped, then re-created as they
    /// were), the projections then built by the library's `rebuild()`. The
    /// same rows as with the triggers on (the projectors are the reference the triggers are
    /// verified against; the rebuild/verify rows check it), in seconds instead of minutes on a
    /// schema whose triggers are slow. The store's last connection checkpoints when it closes.
    func populatedDatabase(_ kind: WorkloadKind, _ stem: String, events count: Int) throws -> String {
        let file = try freshDatabase(stem)
        let store = try SkillMetricsStore(path: file)
        let triggers = try ProjectionTriggers.drop(store)
        _ = try Workload.insertWithC(kind, path: file, prefix: stem, count: count, batch: count, pregenerate: false)
        try ProjectionTriggers.create(triggers, in: store)
        try store.rebuild()
        return file
    }

    /// Deletes a database and its WAL files.
    func removeDatabase(_ file: String) {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: file + suffix)
        }
    }
}
