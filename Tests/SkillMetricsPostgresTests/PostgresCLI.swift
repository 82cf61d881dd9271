import Foundation

/// What one run of the built `skill-metrics` printed.
struct PostgresCLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built `skill-metrics` binary (next to the test bundle) and captures its output.
enum PostgresCLI {
    static let executable: String = {
        var url = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        while url.pathComponents.count > 1 {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("skill-metrics").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "skill-metrics"
    }()

    /// Starts the tool (output to files in `scratch`); the caller waits or kills it.
    static func start(_ arguments: [String], scratch: String, environment: [String: String] = [:]) throws -> (Process, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SKILL_METRICS_DB")
        env.removeValue(forKey: "SKILL_METRICS_PUSH_URL")
        env.removeValue(forKey: "PGPASSWORD")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let tag = UUID().uuidString
        let outPath = scratch + "/out-\(tag)"
        let errPath = scratch + "/err-\(tag)"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, outPath, errPath)
    }

    static func collect(_ started: (Process, String, String)) -> PostgresCLIResult {
        started.0.waitUntilExit()
        let out = (try? Data(contentsOf: URL(fileURLWithPath: started.1))) ?? Data()
        let err = (try? Data(contentsOf: URL(fileURLWithPath: started.2))) ?? Data()
        try? FileManager.default.removeItem(atPath: started.1)
        try? FileManager.default.removeItem(atPath: started.2)
        return PostgresCLIResult(
            status: started.0.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    @discardableResult
    static func run(_ arguments: [String], scratch: String, environment: [String: String] = [:]) throws -> PostgresCLIResult {
        collect(try start(arguments, scratch: scratch, environment: environment))
    }
}

/// A temporary directory removed when the value goes away.
final class ScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("skill-metrics-pgtest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Seeded JSONL events shaped like real use: a few dozen skills, sessions, workflow paths,
/// errors, follow-up lists with repeats, durations over several magnitudes, and hostile keys
/// (control characters, quotes, backslashes, non-ASCII, the empty string).
struct EventGenerator {
    private var state: UInt64
    let seed: UInt64

    init(seed: UInt64) {
        self.seed = seed
        state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
    }

    private mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    private mutating func pick<T>(_ values: [T]) -> T {
        values[Int(next() % UInt64(values.count))]
    }

    static let hostile = ["", "tab\there", "quote\"d", "back\\slash", "ünïcödé ✓", "\u{1}ctl", "new\nline", "dot.key", "$dollar", "[br]"]

    /// `count` JSONL lines; ids are `prefix-<n>`, times from `start` seconds of 2026-01-01.
    mutating func jsonl(count: Int, prefix: String, start: Int = 0) -> String {
        var lines: [String] = []
        lines.reserveCapacity(count)
        for index in 0..<count {
            let skill = next() % 10 == 0 ? pick(Self.hostile) : "skill-\(next() % 24)"
            let completed = next() % 5 != 0
            let second = start + index
            let time = String(format: "2026-01-%02dT%02d:%02d:%02d.%06dZ", 1 + (second / 86_400) % 28,
                              (second / 3600) % 24, (second / 60) % 60, second % 60, Int(next() % 1_000_000))
            var fields: [String] = [
                "\"id\": \"\(prefix)-\(index)\"",
                "\"skill_name\": \(Self.quote(skill))",
                "\"invoked_at\": \"\(time)\"",
                "\"completed\": \(completed)",
            ]
            if next() % 4 != 0 {
                fields.append("\"workflow_path\": \(Self.quote(next() % 8 == 0 ? pick(Self.hostile) : "path-\(next() % 6)"))")
            }
            if next() % 3 != 0 {
                let magnitude = [0.001, 0.1, 1, 10, 1000][Int(next() % 5)]
                let value = next() % 20 == 0 ? 0.0 : Double(next() % 1_000_000) / 1_000_000 * magnitude
                fields.append("\"duration_seconds\": \(value)")
            }
            if !completed || next() % 6 == 0 {
                fields.append("\"error_type\": \(Self.quote(next() % 5 == 0 ? pick(Self.hostile) : "Error\(next() % 4)"))")
            }
            if next() % 2 == 0 {
                fields.append("\"session_id\": \"session-\(next() % 40)\"")
            }
            let actionCount = Int(next() % 4)
            var actions: [String] = []
            for _ in 0..<actionCount {
                actions.append(Self.quote(next() % 6 == 0 ? pick(Self.hostile) : "action-\(next() % 5)"))
            }
            fields.append("\"follow_up_actions\": [\(actions.joined(separator: ", "))]")
            lines.append("{" + fields.joined(separator: ", ") + "}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func quote(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 {
                    output += String(format: "\\u%04x", scalar.value)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output + "\""
    }
}
