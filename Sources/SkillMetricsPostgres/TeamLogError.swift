import PostgresNIO
import SkillMetrics

/// What can go wrong talking to the PostgreSQL team log. Descriptions never hold a password.
public enum TeamLogError: Error, Sendable, CustomStringConvertible {
    /// The `postgres://` URL is malformed (the text is the redacted URL).
    case invalidURL(String, reason: String)
    /// The server could not be reached or refused the login.
    case connection(url: String, reason: String)
    /// A statement failed on the server.
    case server(operation: String, reason: String)
    /// The connection closed (the server stopped, or ended the session) during `operation`;
    /// the URL is redacted.
    case connectionLost(url: String, operation: String, reason: String)
    /// An id already on the server with different content; nothing of the batch was written.
    case conflict(id: String)
    /// A pull's event whose id the local database (its path) holds with other content;
    /// nothing of the batch was written.
    case localConflict(id: String, path: String)
    /// The schema on the server does not match the migration files.
    case schema(String)
    /// The database holds no team log (no migration has run there); the text is the redacted URL.
    case notATeamLog(url: String)
    /// A value read from the server is not what the schema allows.
    case invalidRow(String)
    /// An event of the team log that the local schema refuses (a server whose rows were changed
    /// past its own checks): its server seq, id, the column SQLite named (nil when it named
    /// none), that column's value as read, and SQLite's reason. The pull stops there; nothing
    /// of the transaction holding the event is written.
    case refusedEvent(seq: Int64, id: String, field: String?, value: String?, reason: String)
    /// The team log (its redacted URL) cannot take a push as it is: its event table is not the
    /// ordinary table its migrations create, or a trigger the log relies on is missing or
    /// disabled (`reason`). Checked before anything is sent; nothing was written.
    case notWritable(url: String, reason: String)
    /// A migration command refused with the local runner's rule and wording (a target version
    /// no migration has); nothing changed.
    case migration(MigrationProblem)
    /// A statement of `operation` gave up waiting on the server (its redacted URL): a lock
    /// wait past `lock_timeout` (SQLSTATE 55P03) or a statement past `statement_timeout`
    /// (57014); `reason` says which and the limit. See ``TeamLogTimeouts``.
    case timedOut(url: String, operation: String, reason: String)
    /// The team log (its redacted URL) and the local database (its path) disagree in a way that
    /// no push or pull can mend (`reason`): the server holds events of this source the local
    /// log does not, or no longer holds the event a replica pulled last. Nothing was written.
    case diverged(url: String, path: String, reason: String)
    /// An event of the team log that breaks the event rules (``ServerEventRules``): its server
    /// seq, id when read, the field, its value (nil when the message needs none) and what is
    /// wrong. A row changed past the server's checks; `verify` stopped at it (a pull reports it
    /// as ``refusedEvent(seq:id:field:value:reason:)``).
    case badEvent(seq: Int64, id: String?, field: String, value: String?, reason: String)
    /// A setting (an environment variable) with a value it cannot take.
    case invalidSetting(name: String, value: String, reason: String)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): return "invalid PostgreSQL URL \(url): \(reason)"
        case .connection(let url, let reason): return "cannot connect to \(url): \(reason)"
        case .server(let operation, let reason): return "\(operation) failed on the server: \(reason)"
        case .connectionLost(let url, let operation, let reason):
            return "lost the connection to \(url) while \(operation): \(reason)"
        case .conflict(let id):
            return "conflict: event id \(id) is already on the server with other content; nothing of this batch was written"
        case .localConflict(let id, let path):
            return "conflict: the local database \(path) holds event id \(id) with other content than the team log's; nothing of this batch was written"
        case .schema(let text): return "team log schema: \(text)"
        case .notATeamLog(let url):
            return "\(url) holds no team log (no skill_invocation or team_log_identity table); "
                + "create it with `skill-metrics migrate --db URL`"
        case .invalidRow(let text): return "unexpected value on the server: \(text)"
        case .refusedEvent(let seq, let id, let field, let value, let reason):
            let what = field.map { name in value.map { "its \(name) \(Self.quoted($0))" } ?? "its \(name)" } ?? "it"
            return "cannot pull the team log's event seq \(seq) (id \(Self.quoted(id))): \(what) is refused by the local "
                + "schema (\(reason)); the pull stopped and wrote nothing of the transaction holding it "
                + "(`skill-metrics verify --db URL` checks the team log)"
        case .migration(let problem): return problem.description
        case .timedOut(let url, let operation, let reason):
            return "timed out waiting on \(url) while \(operation): \(reason)"
        case .diverged(let url, let path, let reason):
            return "\(url) and \(path) disagree: \(reason); nothing was written"
        case .badEvent(let seq, let id, let field, let value, let reason):
            return "the team log's event seq \(seq)\(id.map { " (id \(Self.quoted($0)))" } ?? "") breaks the event rules: "
                + "its \(field)\(value.map { " " + Self.quoted($0) } ?? "") is \(reason) (a row changed past the server's own checks)"
        case .invalidSetting(let name, let value, let reason):
            return "\(name)=\(Self.quoted(value)): \(reason)"
        case .notWritable(let url, let reason):
            return "\(url) cannot take a push: \(reason); nothing was pushed (the team log's migrations create "
                + "skill_invocation as a table with its triggers enabled: `skill-metrics migrate validate --db URL`, "
                + "then repair it by hand or migrate a new database)"
        }
    }

    /// `text` quoted for a message (``JSONWriter/quoted(_:)``: control characters escaped),
    /// cut after 80 characters.
    static func quoted(_ text: String) -> String {
        JSONWriter.quoted(text.count > 80 ? String(text.prefix(80)) + "…" : text)
    }

    /// What a value the server sent could not be decoded as: the column (name and index), the
    /// type the schema promises and the type the server sent. postgres-nio's own description
    /// of a ``PostgresDecodingError`` hides all of that ("Generic description to prevent
    /// accidental leakage of sensitive data").
    static func decoding(_ error: any Error) -> String {
        guard let decoding = error as? PostgresDecodingError else { return "\(error)" }
        let column = "column \(decoding.columnName) (index \(decoding.columnIndex))"
        if decoding.code == .missingData { return "\(column) is NULL where \(decoding.targetType) was expected" }
        if decoding.code == .typeMismatch {
            return "\(column) has type \(decoding.postgresType), expected one that decodes as \(decoding.targetType)"
        }
        return "\(column): its \(decoding.postgresType) value could not be read as \(decoding.targetType)"
    }

    /// True when `error` says the connection is gone: closed by either side, a network error,
    /// or the server ending the session (SQLSTATE 57P01–57P05: shut down, crashed, terminated).
    static func isConnectionLoss(_ error: any Error) -> Bool {
        guard let psql = error as? PSQLError else { return false }
        if let state = psql.serverInfo?[.sqlState] { return state.hasPrefix("57P") }
        return psql.code == .serverClosedConnection || psql.code == .clientClosedConnection || psql.code == .connectionError
    }

    /// Why the connection was lost: the server's message when it sent one (its reason for
    /// ending the session), else that the connection closed or failed.
    static func lossReason(_ error: any Error) -> String {
        guard let psql = error as? PSQLError else { return reason(error) }
        if psql.serverInfo?[.message] != nil { return reason(psql) }
        if let underlying = psql.underlying {
            if let inner = underlying as? PSQLError { return lossReason(inner) }
            if psql.code == .connectionError { return "the connection failed: \(underlying)" }
        }
        return "the server closed the connection"
    }

    /// The server's message for a PSQLError (its SQLSTATE and primary message), else the error.
    static func reason(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] {
                let code = psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + code
            }
            if psql.code == .authMechanismRequiresPassword {
                return "the server asks for a password; give it in the URL (USER:PASSWORD@HOST) or in PGPASSWORD"
            }
            if psql.code == .sslUnsupported {
                return "the server does not support TLS (sslmode=require and verify-full need it; sslmode=disable connects without)"
            }
            if let underlying = psql.underlying { return "\(psql.code): \(underlying)" }
            return "\(psql.code)"
        }
        return String(describing: error)
    }
}
