import CSQLiteBaseline
import Foundation
import SkillMetrics

/// `--profile TASK N`: runs one workload once, with callgrind's counting switched on only
/// around the measured call (`valgrind --tool=callgrind --collect-atstart=no`), so that
/// instruction counts before and after an optimisation compare like for like.
/// Tasks: `append` (N single-event appends), `batch` (N events, 1,000 per transaction),
/// `bulk` (N events in one append into an empty log: the bulk path of an import or a pull),
/// `c-append` / `c-batch` (the C baseline), `rebuild`, `verify`, `show` / `show-large` (N calls at 1k / 200k events),
/// `parse` (`LegacyDocument.load` of an N-invocation legacy file), `import` (`DataMigrator`
/// import of such a file, end to end), `write-log` (an N-event log written as the team-log
/// rows read it, copied to `bench-<workload>-<N>.sqlite` in the current directory, for
/// experiments by hand). An optional last argument names the workload
/// (`today`, `real`, `adversarial`; default `today`).
enum ProfileMode {
    static func runIfAsked() -> Bool {
        let arguments = CommandLine.arguments
        guard arguments.count == 4 || arguments.count == 5, arguments[1] == "--profile", let n = Int(arguments[3]), n > 0 else { return false }
        let task = arguments[2]
        guard let kind = arguments.count == 5 ? WorkloadKind(rawValue: arguments[4]) : .today else {
            FileHandle.standardError.write(Data("unknown workload \(arguments[4])\n".utf8))
            exit(2)
        }
        do {
            let directory = try BenchDirectory()
            defer { directory.remove() }
            let seconds: Double
            switch task {
            case "append", "batch", "bulk":
                let file = try directory.freshDatabase("profile")
                let store = try SkillMetricsStore(path: file)
                let events = Workload.events(kind, "p-0000-4000-8000", count: n)
                let batches = task == "append" ? events.map { [$0] } : task == "bulk" ? [events] : stride(from: 0, to: n, by: 1000).map { Array(events[$0..<min($0 + 1000, n)]) }
                seconds = try region {
                    for batch in batches { try store.append(batch) }
                }
            case "c-append", "c-batch":
                let file = try directory.freshDatabase("profile")
                smb_profile_insert_loop(1)
                seconds = try Workload.insertWithC(kind, path: file, prefix: "p-0000-4000-8000", count: n, batch: task == "c-append" ? 1 : 1000, pregenerate: true)
            case "rebuild", "verify":
                let file = try directory.populatedDatabase(kind, "profile", events: n)
                let store = try SkillMetricsStore(path: file)
                seconds = try region {
                    if task == "rebuild" { try store.rebuild() } else { _ = try store.verify() }
                }
            case "show", "show-large":
                let file = try directory.populatedDatabase(kind, "profile", events: task == "show" ? 1000 : 200_000)
                let store = try SkillMetricsStore(path: file)
                let skills = try Benchmarks.skillNames(store)
                seconds = try region {
                    for call in 0..<n { _ = try SkillMetricsQueries(store: store).metrics(for: skills[call % skills.count]) }
                }
            case "parse", "import":
                let json = directory.file("profile", "json")
                try LegacyJSONGenerator.write(kind, invocations: n, to: json)
                let file = try directory.freshDatabase("profile")
                seconds = try region {
                    if task == "parse" {
                        _ = try LegacyDocument.load(path: json)
                    } else {
                        try LegacyImportHook.importLegacy(jsonPath: json, databasePath: file)
                    }
                }
            case "write-log":
                let file = try directory.populatedDatabase(kind, "pg-local-\(kind.rawValue)", events: n)
                let target = FileManager.default.currentDirectoryPath + "/bench-\(kind.rawValue)-\(n).sqlite"
                try? FileManager.default.removeItem(atPath: target)
                _ = try BackupService(store: SkillMetricsStore(path: file)).backup(to: target)
                print("write-log \(n): \(target)")
                return true
            default:
                throw BenchError("unknown profile task \(task)")
            }
            print(String(format: "%@ %d: %.3f s", task, n, seconds))
        } catch {
            FileHandle.standardError.write(Data("profile failed: \(error)\n".utf8))
            exit(1)
        }
        return true
    }

    private static func region(_ body: () throws -> Void) throws -> Double {
        smb_profile_start()
        defer { smb_profile_stop() }
        return try Stopwatch.time(body)
    }
}
