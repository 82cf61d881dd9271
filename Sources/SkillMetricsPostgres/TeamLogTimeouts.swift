import Foundation

/// How long a session on the team log waits for the server: PostgreSQL's `lock_timeout` (a
/// wait for a table or row lock another session holds) and `statement_timeout` (one statement's
/// whole run), set on the session when it connects (``TeamLogConnection/connect(_:logger:timeouts:)``),
/// on the helper connections a command opens too. Nil: no limit (the server's own setting).
///
/// A statement past either limit fails with SQLSTATE 55P03 (`lock_not_available`) or 57014
/// (`query_canceled`), reported as ``TeamLogError/timedOut(url:operation:reason:)``. The
/// writers' lock is the exception: ``TeamLogConnection/lockWriters()`` waits for it without a
/// limit (a push waits its turn behind the other writers however long their batches take),
/// then the rest of the transaction has the session's limit again.
public struct TeamLogTimeouts: Sendable, Equatable {
    /// Seconds a statement waits for a lock (nil: no limit).
    public var lock: Double?
    /// Seconds a statement may run (nil: no limit).
    public var statement: Double?

    public init(lock: Double? = nil, statement: Double? = nil) {
        self.lock = lock
        self.statement = statement
    }

    /// No limit.
    public static let none = TeamLogTimeouts()

    /// The default lock wait of the commands that set one: 30 s.
    public static let defaultLockSeconds = 30.0
    /// The default statement limit of the short query commands (`list`, `show`, `summary`,
    /// `health`, `migrate status|validate`): 120 s.
    public static let defaultStatementSeconds = 120.0

    /// The environment variables that override the defaults (seconds, decimals allowed; 0 is
    /// no limit).
    public static let lockVariable = "SKILL_METRICS_PG_LOCK_TIMEOUT"
    public static let statementVariable = "SKILL_METRICS_PG_STATEMENT_TIMEOUT"

    /// The limits a command uses: `lock` and `statement` (each nil for no limit) unless the
    /// environment's ``lockVariable`` and ``statementVariable`` say otherwise; a value there
    /// that is not a finite number of seconds ≥ 0 is an error naming the variable.
    public static func resolved(
        lock: Double?, statement: Double?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(TeamLogError) -> TeamLogTimeouts {
        func value(_ name: String, _ fallback: Double?) throws(TeamLogError) -> Double? {
            guard let text = environment[name], !text.isEmpty else { return fallback }
            guard let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds <= 2_000_000 else {
                throw .invalidSetting(name: name, value: text, reason: "expected a number of seconds ≥ 0 (0: no limit)")
            }
            return seconds == 0 ? nil : seconds
        }
        return TeamLogTimeouts(lock: try value(lockVariable, lock), statement: try value(statementVariable, statement))
    }

    /// `seconds` as a PostgreSQL duration in whole milliseconds (at least 1: 0 means no limit).
    static func milliseconds(_ seconds: Double) -> String {
        "\(Swift.max(1, Int((seconds * 1000).rounded())))ms"
    }

    /// `seconds` for a message: `30 s`, `0.5 s`.
    static func shown(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}
