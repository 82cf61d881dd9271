import Foundation
import SkillMetrics
import SkillMetricsPostgres

/// `--db postgres://…`: the commands that work on the PostgreSQL team log directly. Each
/// command's `run()` starts with one call here and returns when it answers true.
///
/// Errors print with the URL redacted and exit 2; a check that finds a problem exits 1.
enum PostgresDispatch {
    /// The team log URL when `path` is one.
    static func url(_ path: String) throws -> PostgresURL? {
        guard PostgresURL.isPostgresURL(path) else { return nil }
        do {
            return try PostgresURL(path)
        } catch {
            Console.error(error.description)
            throw CheckFailed(status: 2)
        }
    }

    /// For the commands that only work on a local file: refuses a team log URL (printed
    /// redacted; a malformed one too, never taken for a file name).
    static func refuseURL(_ path: String, command: String) throws {
        guard PostgresURL.isPostgresURL(path) else { return }
        let shown = (try? PostgresURL(path, environment: [:]))?.redacted ?? PostgresURL.redact(path)
        Console.error("\(command) works on a local database; `skill-metrics pull --from \(shown)` makes a local replica of the team log, then run \(command) on it")
        throw CheckFailed(status: 2)
    }

    /// The subcommands (``SkillMetricsMain/commandPath(of:)``) that take a team log URL as
    /// `--db` (push and pull refuse it themselves, naming their `--to`/`--from`).
    static let commandsTakingURL: Set<String> = [
        "migrate", "migrate up", "migrate status", "migrate validate", "migrate undo",
        "verify", "rebuild", "health", "list", "show", "summary", "push", "pull",
    ]

    /// Before any subcommand runs: refuses a team log URL as the database of one that only
    /// works on a local file, so that none of them takes it for a file name (creating
    /// `./postgres:/…`, or printing it with its password in "no such database").
    static func refuseURLUnlessTaken(_ path: String, commandPath: String) throws {
        guard !commandsTakingURL.contains(commandPath) else { return }
        try refuseURL(path, command: commandPath.isEmpty ? "this command" : commandPath)
    }

    /// What ``withLog(_:check:waits:_:)`` makes sure of on the server before the command's work.
    enum ServerCheck {
        /// Nothing (the migrations' commands, which create and inspect the schema).
        case none
        /// The database holds a team log (``TeamLogConnection/requireTeamLog()``).
        case teamLog
        /// That, and its applied migrations are this build's, unedited
        /// (``PostgresMigrationRunner/requireKnownHistory(_:)``): for the commands that write
        /// to the log or fold it with this build's projection rules.
        case knownMigrations
    }

    /// How long a command's session waits on the server (``TeamLogTimeouts``; the environment's
    /// `SKILL_METRICS_PG_LOCK_TIMEOUT` and `SKILL_METRICS_PG_STATEMENT_TIMEOUT` override them).
    enum Waits {
        /// No limit: the commands that write (`migrate`, `migrate undo`, `rebuild`).
        case unbounded
        /// A lock wait of at most 30 s: the reads that may run long (`verify`, `pull`, `push`,
        /// whose wait for the writers' lock stays unbounded).
        case lock
        /// That, and statements of at most 120 s: the short queries (`list`, `show`,
        /// `summary`, `health`, `migrate status|validate`).
        case lockAndStatement

        /// This kind's limits, as the environment overrides them (``TeamLogTimeouts/resolved(lock:statement:environment:)``).
        func timeouts() throws(TeamLogError) -> TeamLogTimeouts {
            switch self {
            case .unbounded: try TeamLogTimeouts.resolved(lock: nil, statement: nil)
            case .lock: try TeamLogTimeouts.resolved(lock: TeamLogTimeouts.defaultLockSeconds, statement: nil)
            case .lockAndStatement:
                try TeamLogTimeouts.resolved(lock: TeamLogTimeouts.defaultLockSeconds, statement: TeamLogTimeouts.defaultStatementSeconds)
            }
        }
    }

    /// Connects (with the limits of `waits`), runs `body`, closes; team log errors print
    /// (redacted) and exit 2.
    static func withLog<T: Sendable>(
        _ url: PostgresURL, check: ServerCheck = .teamLog, waits: Waits,
        _ body: @escaping @Sendable (TeamLogConnection) async throws -> T
    ) throws -> T {
        do {
            let timeouts = try waits.timeouts()
            return try AsyncBridge.run {
                let log = try await TeamLogConnection.connect(url, logger: Console.logger, timeouts: timeouts)
                do {
                    if check != .none { try await log.requireTeamLog() }
                    if check == .knownMigrations { try await PostgresMigrationRunner().requireKnownHistory(log) }
                    let value = try await body(log)
                    await log.close()
                    return value
                } catch {
                    await log.close()
                    throw error
                }
            }
        } catch let error as CheckFailed {
            throw error
        } catch let error as TeamLogError {
            Console.error(PostgresURL.redact(error.description))
            throw CheckFailed(status: 2)
        } catch {
            Console.error(PostgresURL.redact("\(error)"))
            throw CheckFailed(status: 2)
        }
    }

    // MARK: - migrate

    static func migrateUp(_ path: String, to target: Int?, json: Bool) throws -> Bool {
        guard let url = try url(path) else { return false }
        let (applied, version) = try withLog(url, check: .none, waits: .unbounded) { log in
            let runner = try PostgresMigrationRunner()
            let applied = try await runner.migrate(log, upTo: target)
            return (applied, try await runner.schemaVersion(log))
        }
        if json {
            try Console.printJSON(.object(JSONObject([
                ("applied", .array(applied.map(JSONValue.int))), ("schema_version", .int(version)),
            ])))
        } else if applied.isEmpty {
            print("\(url.redacted): schema is at version \(version); nothing to apply")
        } else {
            print("\(url.redacted): applied \(applied.map { "V\($0)" }.joined(separator: ", ")); schema is at version \(version)")
        }
        return true
    }

    static func migrateStatus(_ path: String, json: Bool) throws -> Bool {
        guard let url = try url(path) else { return false }
        let rows = try withLog(url, check: .none, waits: .lockAndStatement) { log in try await PostgresMigrationRunner().status(log) }
        if json {
            try Console.printJSON(.array(rows.map { row in
                .object(JSONObject([
                    ("version", .int(row.version)), ("description", .string(row.description)),
                    ("state", .string(row.state)), ("checksum", .string(row.checksum)),
                    ("applied_at", .optionalString(row.appliedAt)), ("file", .optionalString(row.file)),
                ]))
            }))
            return true
        }
        print("version  state         applied at                  checksum          description")
        for row in rows {
            let state = row.state.padding(toLength: 13, withPad: " ", startingAt: 0)
            let applied = (row.appliedAt ?? "-").padding(toLength: 27, withPad: " ", startingAt: 0)
            print("V\(row.version)".padding(toLength: 9, withPad: " ", startingAt: 0)
                  + "\(state) \(applied) \(row.checksum.prefix(16))  \(row.description)")
        }
        return true
    }

    static func migrateValidate(_ path: String, json: Bool) throws -> Bool {
        guard let url = try url(path) else { return false }
        let problems = try withLog(url, check: .none, waits: .lockAndStatement) { log in try await PostgresMigrationRunner().problems(log) }
        if json {
            try Console.printJSON(.object(JSONObject([
                ("ok", .bool(problems.isEmpty)), ("problems", .array(problems.map(JSONValue.string))),
            ])))
        } else if problems.isEmpty {
            print("\(url.redacted): migrations valid")
        } else {
            for problem in problems { print(problem) }
        }
        if !problems.isEmpty { throw CheckFailed() }
        return true
    }

    static func migrateUndo(_ path: String, to target: Int, json: Bool) throws -> Bool {
        guard let url = try url(path) else { return false }
        let (undone, version) = try withLog(url, check: .none, waits: .unbounded) { log in
            let runner = try PostgresMigrationRunner()
            let undone = try await runner.undo(log, to: target)
            return (undone, try await runner.schemaVersion(log))
        }
        if json {
            try Console.printJSON(.object(JSONObject([
                ("undone", .array(undone.map(JSONValue.int))), ("schema_version", .int(version)),
            ])))
        } else {
            print("\(url.redacted): undid \(undone.isEmpty ? "nothing" : undone.map { "V\($0)" }.joined(separator: ", ")); schema is at version \(version)")
        }
        return true
    }

    // MARK: - projections

    static func verify(_ path: String, json: Bool) throws -> Bool {
        guard let url = try url(path) else { return false }
        let result = try withLog(url, check: .knownMigrations, waits: .lock) { log in try await TeamLogProjections().verify(log) }
        if json {
            try Console.printJSON(.object(JSONObject([
                ("ok", .bool(result.isConsistent)), ("events", .int(result.events)),
                ("skills", .int(result.skills)), ("session_skills", .int(result.sessionSkills)),
                ("differences", .array(result.differences.map { .object($0.json) })),
            ])))
        } else if result.isConsistent {
            print("ok: \(result.events) events, \(result.skills) skills, \(result.sessionSkills) session × skill rows; projections match the log")
        } else {
            for difference in result.differences { print(difference.description) }
            print("\(result.differences.count) difference(s) between the stored projections and the log; `skill-metrics rebuild --db URL` recomputes them")
        }
        if !result.isConsistent { throw CheckFailed() }
        return true
    }

    static func rebuild(_ path: String, json: Bool) throws -> Bool {
        guard let url = try url(path) else { return false }
        let result = try withLog(url, check: .knownMigrations, waits: .unbounded) { log in try await TeamLogProjections().rebuild(log) }
        if json {
            try Console.printJSON(.object(JSONObject([
                ("events", .int(result.events)), ("skills", .int(result.skills)),
                ("session_skills", .int(result.sessionSkills)),
            ])))
        } else {
            print("rebuilt projections from \(result.events) events: \(result.skills) skills, \(result.sessionSkills) session × skill rows")
        }
        return true
    }

    static func health(_ path: String, json: Bool) throws -> Bool {
        guard let url = try url(path) else { return false }
        let (version, latest, problems, events, verification) = try withLog(url, waits: .lockAndStatement) { log in
            let runner = try PostgresMigrationRunner()
            return (try await runner.schemaVersion(log), runner.migrations.map(\.version).max() ?? 0,
                    try await runner.problems(log), try await TeamLogQueries().eventCount(log),
                    try await TeamLogProjections().verify(log))
        }
        let healthy = problems.isEmpty && verification.isConsistent && version == latest
        if json {
            try Console.printJSON(.object(JSONObject([
                ("database", .string(url.redacted)), ("schema_version", .int(version)),
                ("latest_schema_version", .int(latest)), ("events", .int(events)),
                ("skills", .int(verification.skills)),
                ("projection_differences", .int(verification.differences.count)),
                ("migration_problems", .array(problems.map(JSONValue.string))), ("healthy", .bool(healthy)),
            ])))
        } else {
            print("""
                database:      \(url.redacted)
                schema:        version \(version)\(latest > version ? " (V\(latest) available: run migrate)" : "")
                events:        \(events)
                skills:        \(verification.skills)
                projections:   \(verification.isConsistent ? "in step with the log" : "\(verification.differences.count) difference(s); run verify, then rebuild")
                """)
            for problem in problems { print("migration:     \(problem)") }
            print(healthy ? "healthy" : "UNHEALTHY")
        }
        if !healthy { throw CheckFailed() }
        return true
    }

    // MARK: - reads

    static func list(_ path: String, json: Bool) throws -> Bool {
        guard let url = try url(path) else { return false }
        let rows = try withLog(url, waits: .lockAndStatement) { log in try await TeamLogQueries().allMetrics(log) }
        if json {
            try Console.printJSON(.array(rows.map { .object($0.jsonWithPercentiles) }))
        } else if rows.isEmpty {
            print("no skills yet (push events with `skill-metrics push --to URL`)")
        } else {
            print(MetricsText.table(rows))
        }
        return true
    }

    static func show(_ path: String, skill: String, json: Bool) throws -> Bool {
        guard let url = try url(path) else { return false }
        let row = try withLog(url, waits: .lockAndStatement) { log in try await TeamLogQueries().metrics(for: skill, log) }
        guard let row else { throw SkillMetricsError.skillNotFound(skill) }
        if json {
            try Console.printJSON(.object(row.jsonWithPercentiles))
        } else {
            print(MetricsText.describe(row))
        }
        return true
    }

    static func summary(_ path: String, materialized: Bool, json: Bool) throws -> Bool {
        guard let url = try url(path) else { return false }
        if materialized {
            Console.error("summary --materialized reads a local table; the team log computes the summary on read (drop --materialized)")
            throw CheckFailed(status: 2)
        }
        let rows = try withLog(url, waits: .lockAndStatement) { log in try await TeamLogQueries().allMetricsInFirstSeenOrder(log) }
        let summary = try SkillMetricsSummary(rowsInFirstSeenOrder: rows)
        if json {
            try Console.printJSON(.object(summary.legacyJSON))
            return true
        }
        print("skills:                  \(summary.totalSkills)")
        print("invocations:             \(summary.totalInvocations)")
        print("overall completion rate: \(MetricsText.percent(summary.overallCompletionRate))")
        print("average duration:        \(MetricsText.seconds(summary.avgDurationSeconds))")
        if let most = summary.mostUsedSkill {
            print("most used:               \(MetricsText.display(most)) (\(summary.mostUsedCount))")
        }
        return true
    }
}
