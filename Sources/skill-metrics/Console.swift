import Foundation
import Logging
import Synchronization
import SkillMetrics

/// Terminal output: data on stdout, messages and progress on stderr.
enum Console {
    /// Findings printed outside a command's own report (so the program exits 1, not 0).
    private static let findings = Mutex(0)
    /// The subcommand being run (`list`, `audit verify`), set once before it runs.
    private static let command = Mutex("")

    /// The subcommand being run, as its names joined by a space.
    static var commandPath: String {
        get { command.withLock { $0 } }
        set { command.withLock { $0 = newValue } }
    }

    /// Prints a problem a check found on stderr; the program then exits with status 1.
    static func finding(_ message: String) {
        findings.withLock { $0 += 1 }
        error(message)
    }

    /// True when ``finding(_:)`` printed anything.
    static var hasFindings: Bool { findings.withLock { $0 > 0 } }

    /// The last line of a check that found nothing wrong in what it checks: `ok: facts`, or,
    /// when findings were printed on stderr (a schema that differs; exit status 1),
    /// `not ok: facts, but see the findings on stderr`.
    static func checkPassed(_ facts: String) -> String {
        hasFindings ? "not ok: \(facts), but see the findings on stderr" : "ok: \(facts)"
    }

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
    /// Prints `value` as JSON; a number JSON cannot hold (an overflowed sum) is an error and
    /// nothing is printed.
    static func printJSON(_ value: JSONValue) throws {
        try value.requireFiniteNumbers()
        print(JSONWriter(style: .python(ensureASCII: false)).string(value))
    }

    /// True when stderr is a terminal (progress is shown only then).
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// A progress printer for long work, or nil when stderr is not a terminal.
    static func progress(_ label: String) -> (@Sendable (Int) -> Void)? {
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
