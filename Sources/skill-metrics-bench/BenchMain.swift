import Foundation
import SkillMetrics

/// `skill-metrics-bench`: builds its own databases in a temporary directory, runs every
/// workload against its baseline in the same run, and prints one Markdown table.
@main
enum BenchMain {
    static func main() {
        if RSSProbe.runIfAsked() || ProfileMode.runIfAsked() || writeLegacyIfAsked() || writeDatabaseIfAsked()
            || writeJSONLIfAsked() { return }
        let configuration: BenchConfiguration
        do {
            configuration = try BenchConfiguration(arguments: Array(CommandLine.arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("skill-metrics-bench: \(error)\n".utf8))
            exit(2)
        }
        let start = Stopwatch.now()
        var directory: BenchDirectory?
        do {
            let scratch = try BenchDirectory()
            directory = scratch
            let sample = Workload.event(.today, "check", 12_345)
            guard sample.invokedAt.canonical == Workload.invokedAtText(12_345) else {
                throw BenchError("the C generator's timestamps disagree with Timestamp.canonical")
            }
            let benchmarks = Benchmarks(configuration: configuration, directory: scratch)
            for kind in configuration.workloads {
                try benchmarks.run(kind)
                // The table so far, on stderr: a long run that is stopped still leaves its rows.
                FileHandle.standardError.write(Data("[bench] table after \(kind.rawValue):\n\(benchmarks.table.render())\n".utf8))
            }
            let minutes = (Stopwatch.now() - start) / 60
            print(benchmarks.table.render())
            print("")
            print(String(format: "Total run time %.1f min; %@; %d core(s); ratios are from this run.",
                         minutes, Self.timestamp(), ProcessInfo.processInfo.activeProcessorCount))
            scratch.remove()
        } catch {
            FileHandle.standardError.write(Data("skill-metrics-bench: \(error)\n".utf8))
            directory?.remove()
            exit(1)
        }
    }

    /// `--write-legacy-json N PATH [WORKLOAD]`: writes the legacy-import workload's input file and exits
    /// (for checking it against Python, or importing it by hand).
    static func writeLegacyIfAsked() -> Bool {
        guard let (n, path, kind) = writeRequest("--write-legacy-json", minimum: 0) else { return false }
        do {
            try LegacyJSONGenerator.write(kind, invocations: n, to: path)
        } catch {
            FileHandle.standardError.write(Data("cannot write \(path): \(error)\n".utf8))
            exit(1)
        }
        return true
    }

    /// `--write-jsonl N PATH [WORKLOAD]`: writes the CLI row's `append --jsonl` input (N events
    /// from the C generator) and exits, for timing or profiling the CLI by hand.
    static func writeJSONLIfAsked() -> Bool {
        guard let (n, path, kind) = writeRequest("--write-jsonl", minimum: 0) else { return false }
        do {
            try Workload.writeJSONL(kind, path: path, prefix: "j", count: n)
        } catch {
            FileHandle.standardError.write(Data("cannot write \(path): \(error)\n".utf8))
            exit(1)
        }
        return true
    }

    /// `--write-db N PATH [WORKLOAD]`: writes a database of N generated events (projections
    /// built) to PATH and exits, for timing commands by hand on the benchmark's workloads
    /// (`verify --db postgres://…` after a `push`, say).
    static func writeDatabaseIfAsked() -> Bool {
        guard let (n, path, kind) = writeRequest("--write-db", minimum: 1) else { return false }
        do {
            let scratch = try BenchDirectory()
            defer { scratch.remove() }
            let file = try scratch.populatedDatabase(kind, "written", events: n)
            for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: file + suffix) {
                throw BenchError("\(file)\(suffix) is still there after the last connection closed")
            }
            try FileManager.default.moveItem(atPath: file, toPath: path)
        } catch {
            FileHandle.standardError.write(Data("cannot write \(path): \(error)\n".utf8))
            exit(1)
        }
        return true
    }

    /// `FLAG N PATH [WORKLOAD]` as the whole command line (N at least `minimum`; the workload
    /// `today` when not given), or nil.
    static func writeRequest(_ flag: String, minimum: Int) -> (count: Int, path: String, kind: WorkloadKind)? {
        let arguments = CommandLine.arguments
        guard arguments.count == 4 || arguments.count == 5, arguments[1] == flag,
              let n = Int(arguments[2]), n >= minimum,
              let kind = arguments.count == 5 ? WorkloadKind(rawValue: arguments[4]) : .today
        else {
            return nil
        }
        return (n, arguments[3], kind)
    }

    static func timestamp() -> String {
        Timestamp.now().canonical
    }
}
