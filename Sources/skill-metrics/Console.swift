import Foundation
import Logging
import SkillMetrics

/// Terminal output: data on stdout, messages and progress on stderr.
enum Console {
    static let logger: Logger = {
        var logger = Logger(label: "skill-metrics") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = ProcessInfo.processInfo.environment["SKILL_METRICS_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    /// Writes a line to stderr, prefixed with the program name.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("skill-metrics: \(message)\n".utf8))
    }

    /// Prints a JSON value (two-space indent, key order kept) on stdout.
    static func printJSON(_ value: JSONValue) {
        print(JSONWriter(style: .python(ensureASCII: false)).string(value))
    }

    /// True when stderr is a terminal (progress is shown only then).
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// A progress printer for long work, or nil when stderr is not a terminal.
    static func progress(_ label: String) -> ((Int) -> Void)? {
        guard stderrIsTerminal else { return nil }
        return { count in
            FileHandle.standardError.write(Data("\r\(label): \(count) events…".utf8))
        }
    }

    /// Ends a progress line, if one was drawn.
    static func endProgress() {
        if stderrIsTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
