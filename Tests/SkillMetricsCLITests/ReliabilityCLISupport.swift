import Foundation
import Synchronization
import Testing

/// The `sqlite3` shell (another client of the same file, as an operator would), through the
/// target's one runner of outside programs (``Tool``), failing loudly.
enum SQLiteShell {
    struct Failure: Error, CustomStringConvertible {
        var status: Int32
        var stderr: String
        var description: String { "sqlite3 exited \(status): \(stderr)" }
    }

    /// Runs `sql` against `database` and returns stdout; throws when sqlite3 fails.
    @discardableResult
    static func run(_ database: String, _ sql: String) throws -> String {
        let result = try Tool.sqlite(database, sql)
        guard result.status == 0 else { throw Failure(status: result.status, stderr: result.stderr) }
        return result.stdout
    }

    /// The single value a query prints, trimmed.
    static func value(_ database: String, _ sql: String) throws -> String {
        try run(database, sql).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The N of each `committed N` line `append --echo-commits` printed, in order.
func committedCounts<Lines: Sequence>(_ lines: Lines) -> [Int] where Lines.Element: StringProtocol {
    lines.compactMap { line in
        line.hasPrefix("committed ") ? Int(line.dropFirst("committed ".count)) : nil
    }
}

/// A database `name` in `directory` holding the 200 events of `jsonlEvents(prefix: "seed", count: 200)`,
/// appended by the CLI: the log the crash and write-failure drills start from.
func seededDatabase(_ directory: Scratch, _ name: String) throws -> String {
    let db = directory.file(name)
    let seed = try directory.write("seed.jsonl", jsonlEvents(prefix: "seed", count: 200))
    #expect(try CLI.run(["append", "--db", db, "--jsonl", seed]).status == 0)
    return db
}

/// JSONL lines of distinct events with ids `<prefix>-00000`…
func jsonlEvents(prefix: String, count: Int, skills: Int = 5) -> String {
    var lines: [String] = []
    lines.reserveCapacity(count)
    for index in 0..<count {
        let id = "\(prefix)-" + String(format: "%05d", index)
        let second = index % 60
        let duration = Double(index % 97) / 8
        lines.append("""
            {"id": "\(id)", "skill_name": "skill-\(index % skills)", "invoked_at": "2026-03-01T10:\(String(format: "%02d", (index / 60) % 60)):\(String(format: "%02d", second)).000123Z", "workflow_path": "path-\(index % 3)", "completed": \(index % 4 != 0), "duration_seconds": \(duration), "session_id": "sess-\(index % 7)", "follow_up_actions": ["a", "b\(index % 2)"]}
            """)
    }
    return lines.joined(separator: "\n") + "\n"
}

/// A started process (`skill-metrics`, or another program through `/usr/bin/env`) whose stdout
/// lines are collected as they come; its stdin stays open until ``closeStdin()`` when asked.
// @unchecked: `process` is set once in init and then only used through Process's thread-safe
// methods (wait, pid, kill); the collected output is behind Mutexes.
final class RunningCLI: @unchecked Sendable {
    let process: Process
    private let lines = Mutex<[String]>([])
    private let errorText = Mutex<String>("")
    private let done = DispatchGroup()

    private let input: Pipe?

    init(_ arguments: [String], program: String? = nil, holdStdin: Bool = false) throws {
        let process = Process()
        if let program {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [program] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: CLI.executable)
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SKILL_METRICS_DB")
        process.environment = env
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let input = holdStdin ? Pipe() : nil
        process.standardInput = input ?? FileHandle.nullDevice
        self.input = input
        self.process = process
        try process.run()
        let outHandle = output.fileHandleForReading
        let errHandle = errors.fileHandleForReading
        done.enter()
        DispatchQueue.global().async { [self] in
            var buffer = Data()
            while true {
                let chunk = outHandle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    self.lines.withLock { $0.append(line) }
                }
            }
            self.done.leave()
        }
        done.enter()
        DispatchQueue.global().async { [self] in
            let data = errHandle.readDataToEndOfFile()
            self.errorText.withLock { $0 = String(decoding: data, as: UTF8.self) }
            self.done.leave()
        }
    }

    var stdoutLines: [String] { lines.withLock { $0 } }
    var stderr: String { errorText.withLock { $0 } }
    var pid: Int32 { process.processIdentifier }

    func kill() { _ = Foundation.kill(process.processIdentifier, SIGKILL) }

    /// Ends the process's stdin (with `holdStdin`).
    func closeStdin() { try? input?.fileHandleForWriting.close() }

    /// Waits up to `seconds` for `condition`, polling; true when it held.
    func waitFor(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return condition()
    }

    /// Waits for the process and its output; returns the exit status (or the signal number).
    ///
    /// The output is read to its end, which another process holding the pipe could delay for
    /// good: after two minutes the test fails instead of hanging the run.
    @discardableResult
    func wait() -> Int32 {
        process.waitUntilExit()
        if done.wait(timeout: .now() + 120) == .timedOut {
            Issue.record("the output pipes of `\(process.arguments?.joined(separator: " ") ?? "")` stayed open 120 s after it exited: another process holds them")
        }
        return process.terminationStatus
    }

    var wasKilled: Bool { process.terminationReason == .uncaughtSignal }
    var isRunning: Bool { process.isRunning }
}

/// Unix permission bits of a file.
func posixMode(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? NSNumber)?.intValue ?? -1
}

/// A small deterministic generator (SplitMix64) for reproducible "random" moments; its
/// ``description`` (`seed 0x…`) goes into failure messages.
struct SeededGenerator: RandomNumberGenerator, CustomStringConvertible {
    let seed: UInt64
    private var state: UInt64
    init(seed: UInt64) {
        self.seed = seed
        state = seed
    }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    var description: String { "seed 0x" + String(seed, radix: 16) }
}

extension SeededGenerator {
    /// A uniformly drawn integer of `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    /// A uniformly drawn element of `values` (not empty).
    mutating func pick<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }
}
