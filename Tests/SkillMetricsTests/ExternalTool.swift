import Foundation
@testable import SkillMetrics

/// The one runner of outside programs in this test target: `python3` (reference
/// implementations: numpy, prometheus_client, Python's repr) and the `sqlite3` shell (edits
/// that bypass the library). Output goes through files, so no pipe can fill up and block.
enum ExternalTool {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `program` (looked up on PATH) with `arguments`, feeding it `stdin`.
    static func run(_ program: String, _ arguments: [String], stdin: String = "") throws -> Result {
        let directory = TemporaryDirectory()
        let inPath = directory.file("stdin"), outPath = directory.file("stdout"), errPath = directory.file("stderr")
        _ = FileManager.default.createFile(atPath: inPath, contents: Data(stdin.utf8))
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? input.close()
            try? output.close()
            try? errors.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// `python3 -c script arguments…`.
    static func python(_ script: String, _ arguments: [String] = [], stdin: String = "") throws -> Result {
        try run("python3", ["-c", script] + arguments, stdin: stdin)
    }

    /// True when `python3 -c "import module"` succeeds.
    static func pythonHasModule(_ module: String) -> Bool {
        (try? python("import \(module)")).map { $0.status == 0 } ?? false
    }

    /// Runs `sql` with the `sqlite3` shell on `database`; throws when it fails.
    @discardableResult
    static func sqlite(_ database: String, _ sql: String) throws -> String {
        let result = try run("sqlite3", ["-batch", "-bail", database], stdin: sql)
        guard result.status == 0 else {
            throw SkillMetricsError.database(operation: "sqlite3 shell", message: result.stderr)
        }
        return result.stdout
    }
}

/// A seeded generator (SplitMix64) for the tests' random values. The seed is
/// `$SKILL_METRICS_TEST_SEED` when set (to replay a failure), else a fresh one; tests put
/// ``description`` (`seed N`) in their failure messages.
struct SeededRandom: RandomNumberGenerator, CustomStringConvertible {
    let seed: UInt64
    private var state: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        let fromEnvironment = ProcessInfo.processInfo.environment["SKILL_METRICS_TEST_SEED"].flatMap { UInt64($0) }
        self.init(seed: fromEnvironment ?? system.next())
    }

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

    /// `seed N (rerun with SKILL_METRICS_TEST_SEED=N)`.
    var description: String { "seed \(seed) (rerun with SKILL_METRICS_TEST_SEED=\(seed))" }
}
