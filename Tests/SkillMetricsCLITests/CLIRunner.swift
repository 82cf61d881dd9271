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
        environment: [String: String] = [:]
    ) throws -> CLIResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SKILL_METRICS_DB")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let outPipe = Pipe()
        let errPipe = Pipe()
        let inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        try process.run()
        let group = DispatchGroup()
        var outData = Data()
        var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            outData = outPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            errData = errPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        if let stdin { inPipe.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return CLIResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
