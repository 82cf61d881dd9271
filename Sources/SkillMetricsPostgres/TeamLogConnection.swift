import Foundation
import Logging
import PostgresNIO
import SkillMetrics

/// One connection to the PostgreSQL team log (postgres-nio), with the few helpers the
/// operations need: plain and multi-statement queries and explicit transactions.
public final class TeamLogConnection: Sendable {
    /// The URL connected to (print only ``PostgresURL/redacted``).
    public let url: PostgresURL
    let connection: PostgresConnection
    let logger: Logger
    /// The session's limits on waiting for the server (set when it connected).
    public let timeouts: TeamLogTimeouts
    /// Ends an exchange still waiting after the connection closed (see ``ConnectionWatch``).
    private let watch: ConnectionWatch

    private init(url: PostgresURL, connection: PostgresConnection, logger: Logger, timeouts: TeamLogTimeouts) {
        self.url = url
        self.connection = connection
        self.logger = logger
        self.timeouts = timeouts
        watch = ConnectionWatch(closeFuture: connection.closeFuture)
    }

    /// Connects to `url`; the session gets `timeouts` (``TeamLogTimeouts``: `lock_timeout` and
    /// `statement_timeout`, none by default).
    public static func connect(
        _ url: PostgresURL, logger: Logger = Logger(label: "skill-metrics.postgres"), timeouts: TeamLogTimeouts = .none
    ) async throws(TeamLogError) -> TeamLogConnection {
        let configuration = try url.configuration()
        let log: TeamLogConnection
        do {
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                id: 1, logger: logger
            ).get()
            log = TeamLogConnection(url: url, connection: connection, logger: logger, timeouts: timeouts)
        } catch {
            throw .connection(url: url.redacted, reason: TeamLogError.reason(error))
        }
        do {
            if let lock = timeouts.lock {
                try await log.execute(
                    PostgresQuery(unsafeSQL: "SET lock_timeout = '\(TeamLogTimeouts.milliseconds(lock))'"), "setting lock_timeout")
            }
            if let statement = timeouts.statement {
                try await log.execute(
                    PostgresQuery(unsafeSQL: "SET statement_timeout = '\(TeamLogTimeouts.milliseconds(statement))'"),
                    "setting statement_timeout")
            }
        } catch {
            await log.close()
            throw error
        }
        return log
    }

    /// Another connection to the same server with the same limits (a helper reading the same
    /// snapshot).
    func connectAgain() async throws(TeamLogError) -> TeamLogConnection {
        try await Self.connect(url, logger: logger, timeouts: timeouts)
    }

    /// Throws ``TeamLogError/notATeamLog(url:)`` unless the database holds a team log (its
    /// event and identity tables: the first migration has run). Operations other than the
    /// migrations' call it first, so that an empty or foreign database gets that message
    /// instead of the first statement's "relation does not exist".
    public func requireTeamLog() async throws(TeamLogError) {
        let found = try await rows(
            "SELECT to_regclass('skill_invocation') IS NOT NULL AND to_regclass('team_log_identity') IS NOT NULL",
            "looking for the team log's tables")
        guard let row = found.first else { throw .notATeamLog(url: url.redacted) }
        if try ServerRow(row, "the team log's tables").value(0, Bool.self) == false {
            throw .notATeamLog(url: url.redacted)
        }
    }

    /// Closes the connection.
    public func close() async {
        let connection = connection
        _ = try? await watch.run({ try await connection.close() }, lost: { CancellationError() })
    }

    /// Runs one exchange with the server (``ConnectionWatch/run(_:lost:)``: it cannot outlast
    /// the connection), its errors as ``TeamLogError``s: ``TeamLogError/connectionLost(url:operation:reason:)``
    /// when the connection closed, else ``TeamLogError/server(operation:reason:)``.
    private func exchange<T: Sendable>(_ operation: String, _ body: @escaping @Sendable () async throws -> T) async throws(TeamLogError) -> T {
        let url = url
        do {
            return try await watch.run(body, lost: Self.closed(url, operation))
        } catch let error as TeamLogError {
            throw error
        } catch {
            throw failure(error, operation)
        }
    }

    /// The error an exchange of `operation` fails with when ``ConnectionWatch`` gives up on it.
    private static func closed(_ url: PostgresURL, _ operation: String) -> @Sendable () -> any Error {
        { TeamLogError.connectionLost(url: url.redacted, operation: operation, reason: "the server closed the connection") }
    }

    /// `error` (from postgres-nio) as the ``TeamLogError`` of `operation`.
    private func failure(_ error: any Error, _ operation: String) -> TeamLogError {
        guard connection.isClosed || TeamLogError.isConnectionLoss(error) else {
            if let timedOut = timedOut(error, operation) { return timedOut }
            return .server(operation: operation, reason: TeamLogError.reason(error))
        }
        return .connectionLost(url: url.redacted, operation: operation, reason: TeamLogError.lossReason(error))
    }

    /// ``TeamLogError/timedOut(url:operation:reason:)`` when `error` is the server giving up a
    /// lock wait (SQLSTATE 55P03) or a statement (57014), else nil.
    private func timedOut(_ error: any Error, _ operation: String) -> TeamLogError? {
        guard let psql = error as? PSQLError, let state = psql.serverInfo?[.sqlState] else { return nil }
        let setting = { (limit: Double?, variable: String) -> String in
            limit.map { "\(TeamLogTimeouts.shown($0)), set by \(variable)" } ?? "the server's setting"
        }
        switch state {
        case "55P03":
            return .timedOut(url: url.redacted, operation: operation, reason: "another session held a lock on the table longer than "
                + "the lock_timeout (\(setting(timeouts.lock, TeamLogTimeouts.lockVariable))): \(TeamLogError.reason(psql))")
        case "57014":
            return .timedOut(url: url.redacted, operation: operation, reason: "the statement ran longer than the statement_timeout "
                + "(\(setting(timeouts.statement, TeamLogTimeouts.statementVariable))) or was cancelled: \(TeamLogError.reason(psql))")
        default:
            return nil
        }
    }

    /// The ``TeamLogError/connectionLost(url:operation:reason:)`` error of `operation` when this
    /// connection is gone (a statement sent to find out fails so), else nil.
    func connectionLoss(_ operation: String) async -> TeamLogError? {
        do {
            try await execute("SELECT 1", operation)
        } catch {
            if case .connectionLost = error { return error }
        }
        return nil
    }

    /// Runs one statement and returns its rows, all read.
    ///
    /// The rows are collected on the connection's event loop (postgres-nio's future API), not
    /// iterated as an async sequence: a sequence whose consumer has not asked for more rows
    /// yet when the server closes the connection stops the process (postgres-nio 1.33's row
    /// stream state machine: "How can we receive a body part, after a channelReadComplete, but
    /// no read has been forwarded yet"); collected, more rows are asked for as soon as some come.
    func rows(_ query: PostgresQuery, _ operation: String) async throws(TeamLogError) -> [PostgresRow] {
        let (connection, logger) = (connection, logger)
        return try await exchange(operation) { try await connection.query(query, logger: logger).get().rows }
    }

    /// The log's own id (`team_log_identity.server_id`, lower-case), which local databases key
    /// what they pulled from it by.
    func serverID() async throws(TeamLogError) -> String {
        let identity = try await rows("SELECT server_id FROM team_log_identity", "reading the team log's id")
        guard let row = identity.first else { throw .schema("team_log_identity is empty") }
        return try ServerRow(row, "team_log_identity").value(0, UUID.self).uuidString.lowercased()
    }

    /// Runs one statement whose rows are ignored.
    func execute(_ query: PostgresQuery, _ operation: String) async throws(TeamLogError) {
        _ = try await rows(query, operation)
    }

    /// Runs `COPY table (columns) FROM STDIN` (text format) with `rows`; returns false when the
    /// server refused it with a unique violation (SQLSTATE 23505): nothing of it is written.
    /// `table` and `columns` are the program's own names, never input.
    func copyUnlessUniqueViolation(into table: String, columns: [String], _ rows: ByteBuffer, _ operation: String) async throws(TeamLogError) -> Bool {
        let (connection, logger) = (connection, logger)
        let url = url
        do {
            try await watch.run({
                try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                    try await writer.write(rows)
                }
            }, lost: Self.closed(url, operation))
            return true
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            return false
        } catch let error as TeamLogError {
            throw error
        } catch {
            throw failure(error, operation)
        }
    }

    /// Runs a multi-statement script (a migration file) as one statement: a `DO` block that
    /// EXECUTEs the text, quoted with a dollar tag the text does not contain (postgres-nio sends
    /// every query with the extended protocol, which takes one statement at a time).
    func script(_ sql: String, _ operation: String) async throws(TeamLogError) {
        var tag = "$skill_metrics_script$"
        var counter = 0
        while sql.contains(tag) {
            counter += 1
            tag = "$skill_metrics_script_\(counter)$"
        }
        let block = "DO $skill_metrics_do$ BEGIN EXECUTE \(tag)\(sql)\(tag); END $skill_metrics_do$"
        guard !sql.contains("$skill_metrics_do$") else {
            throw .schema("\(operation): the script contains the reserved tag $skill_metrics_do$")
        }
        try await execute(PostgresQuery(unsafeSQL: block), operation)
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        try await execute("BEGIN", operation)
        do {
            let value = try await body()
            try await execute("COMMIT", operation)
            return value
        } catch {
            try? await execute("ROLLBACK", operation)
            throw error
        }
    }

    /// Exports the current transaction's snapshot (`pg_export_snapshot()`), for another
    /// connection to read the same state with ``importSnapshot(_:)`` while this transaction lasts.
    func exportSnapshot() async throws(TeamLogError) -> String {
        guard let row = try await rows("SELECT pg_export_snapshot()", "exporting the snapshot").first else {
            throw .server(operation: "exporting the snapshot", reason: "no row returned")
        }
        return try ServerRow(row, "pg_export_snapshot").value(0, String.self)
    }

    /// Makes the current transaction (REPEATABLE READ, before its first query) read the snapshot
    /// another connection exported.
    func importSnapshot(_ snapshot: String) async throws(TeamLogError) {
        // SET takes no parameters; a snapshot id is hexadecimal digits and dashes.
        guard !snapshot.isEmpty, snapshot.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || (48...57).contains($0) || (65...70).contains($0) || (97...102).contains($0) }) else {
            throw .server(operation: "importing the snapshot", reason: "unexpected snapshot id \(JSONWriter.quoted(snapshot))")
        }
        try await execute(PostgresQuery(unsafeSQL: "SET TRANSACTION SNAPSHOT '\(snapshot)'"), "importing the snapshot")
    }

    /// Takes the writers' lock (see `Schemas/postgres/V1__team_log.sql`) for the current
    /// transaction, waiting for it without a limit (other writers' batches, a rebuild); the
    /// session's `lock_timeout`, when it has one, holds again for the rest of the transaction.
    func lockWriters() async throws(TeamLogError) {
        guard let lock = timeouts.lock else {
            try await execute("SELECT sm_lock_writers()", "taking the writers' lock")
            return
        }
        try await execute(PostgresQuery(unsafeSQL: """
            DO $skill_metrics_lock$ BEGIN
                SET LOCAL lock_timeout = 0;
                PERFORM sm_lock_writers();
                SET LOCAL lock_timeout = '\(TeamLogTimeouts.milliseconds(lock))';
            END $skill_metrics_lock$
            """), "taking the writers' lock")
    }
}
