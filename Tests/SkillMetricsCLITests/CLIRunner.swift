import Foundation

/// Runs the built `skill-metrics` binary and captures what it printed.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    /// The `skill-metrics` executable next to the test bundle in the build products directory.
    static let executable: String = {
        var url = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        // .build/<triple>/debug/SkillMetricsPackageTests.xctest (file or bundle directory)
        while url.pathComponents.count > 1 {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("skill-metrics").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "skill-metrics"
    }()

    /// Runs the tool with `arguments`, feeding `stdin` if given, in `directory`.
    @discardableResult
    static func run(
        _ arguments: [String], stdin: String? = nil, directory: String? = nil,
        environment: [String: String] = [:], executable: String = CLI.executable
    ) throws -> CLIResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SKILL_METRICS_DB")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        // Output goes to temporary files (no pipe buffers to drain while the process runs).
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("skill-metrics-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        let inURL = scratch.appendingPathComponent("stdin")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: inURL.path, contents: Data((stdin ?? "").utf8))
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        let inHandle = try FileHandle(forReadingFrom: inURL)
        defer {
            try? outHandle.close()
            try? errHandle.close()
            try? inHandle.close()
        }
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = inHandle
        try process.run()
        process.waitUntilExit()
        let outData = (try? Data(contentsOf: outURL)) ?? Data()
        let errData = (try? Data(contentsOf: errURL)) ?? Data()
        return CLIResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
