import Foundation
import SkillMetrics

/// A fresh temporary directory for one CLI test, removed afterwards.
final class Scratch: Sendable {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("skill-metrics-cli-tests-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// The database path used by most tests.
    var db: String { file("metrics.db") }

    func write(_ name: String, _ text: String) throws -> String {
        let target = file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }
}

enum Repository {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func fixture(_ relative: String) -> String { root + "/Fixtures/" + relative }
}

/// Runs an external program (python3, sqlite3) and captures its output.
enum Tool {
    static func run(_ executable: String, _ arguments: [String], stdin: String = "") throws -> CLIResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let scratch = Scratch()
        let inPath = try scratch.write("stdin", stdin)
        let outPath = try scratch.write("stdout", "")
        let errPath = try scratch.write("stderr", "")
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let error = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? input.close()
            try? output.close()
            try? error.close()
        }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        process.waitUntilExit()
        return CLIResult(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    static func python(_ script: String, _ arguments: [String] = [], stdin: String = "") throws -> CLIResult {
        try run("python3", ["-c", script] + arguments, stdin: stdin)
    }

    static func sqlite(_ db: String, _ sql: String) throws -> CLIResult {
        try run("sqlite3", ["-bail", db], stdin: sql)
    }
}

extension CLIResult {
    /// stdout parsed as JSON.
    func json() throws -> JSONValue {
        try JSONParser().parse(stdout)
    }
}
