import Foundation

/// The `skill-metrics` executable built beside the bench (same build directory), run as a
/// child process for the CLI rows.
enum CLIBinary {
    /// The path of `skill-metrics` next to this executable, when it was built.
    static func path() -> String? {
        guard let own = try? RSSProbe.selfExecutable() else { return nil }
        let candidate = (own as NSString).deletingLastPathComponent + "/skill-metrics"
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    /// Runs the CLI; returns its stdout, throws on a non-zero exit status.
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("skill-metrics \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(String(decoding: errorData.prefix(500), as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
