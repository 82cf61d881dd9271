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

    static let migrations = root + "/Schemas/migrations"
}

/// The one runner of outside programs in this target (python3, sqlite3, cmp): runs to the end
/// and captures stdout, stderr and the exit status. ``RunningCLI`` starts one in the background.
enum Tool {
    static func run(_ executable: String, _ arguments: [String], stdin: String = "") throws -> CLIResult {
        try CLI.run([executable] + arguments, stdin: stdin, executable: "/usr/bin/env")
    }

    static func python(_ script: String, _ arguments: [String] = [], stdin: String = "") throws -> CLIResult {
        try run("python3", ["-c", script] + arguments, stdin: stdin)
    }

    static func sqlite(_ db: String, _ sql: String) throws -> CLIResult {
        try run("sqlite3", ["-batch", "-bail", db], stdin: sql)
    }
}

extension CLIResult {
    /// stdout parsed as JSON.
    func json() throws -> JSONValue {
        try JSONParser().parse(stdout)
    }
}
