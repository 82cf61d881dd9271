import ArgumentParser
import Foundation
import SkillMetrics
import SkillMetricsPostgres

/// `push --to URL`: send the local events the PostgreSQL team log lacks.
struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send the local events the PostgreSQL team log lacks (idempotent, resumable).",
        discussion: HelpText.reflow("""
            URL: postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=disable|require|verify-full&sslrootcert=FILE] \
            (else $SKILL_METRICS_PUSH_URL; the password may come from $PGPASSWORD).

            The cursor is the server's max(source_seq) for this database, so a push killed at \
            any point and run again sends the rest, never twice. An id already on the server \
            with other content is a conflict: nothing of that batch is written, exit status 2. \
            Events this database pulled from the same team log are not sent back. Progress \
            goes to stderr when it is a terminal. See docs/scale-out.md.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: ArgumentHelp("The team log (default: $SKILL_METRICS_PUSH_URL).", valueName: "url"))
    var to: String?

    @Option(name: .long, parsing: .unconditional, help: "Events per transaction.")
    var batchSize: Int = TeamLogPush.defaultBatchSize

    /// `--to`, else `$SKILL_METRICS_PUSH_URL` (nil when neither is given or it is empty).
    private var target: String? {
        guard let target = to ?? ProcessInfo.processInfo.environment["SKILL_METRICS_PUSH_URL"], !target.isEmpty else {
            return nil
        }
        return target
    }

    /// The usage checks run here rather than in `run()`, so that their message comes with
    /// push's own usage line instead of the top-level one.
    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard let target else {
            throw ValidationError("give the team log with --to URL or $SKILL_METRICS_PUSH_URL")
        }
        guard PostgresURL.isPostgresURL(target) else {
            throw ValidationError("\(to == nil ? "$SKILL_METRICS_PUSH_URL" : "--to") must be a postgres:// URL")
        }
    }

    func run() throws {
        try PostgresDispatch.refuseURL(store.path, command: "push (--db)")
        // validate() made sure of a postgres:// target; a malformed one is reported by url(_:).
        guard let target, let url = try PostgresDispatch.url(target) else {
            throw SkillMetricsError.invalidInput(location: "--to", reason: "expected a postgres:// URL")
        }
        // A --db that names no file is a typo, not an empty log to push: creating one would
        // report "pushed 0" and let a CI step pass having sent nothing.
        let metrics = try store.openStore(create: false)
        let push = TeamLogPush(batchSize: batchSize)
        let progress = Console.progress("pushing")
        let report: (@Sendable (TeamLogPush.Result) -> Void)? = progress.map { tell in
            { @Sendable result in tell(result.pushed + result.skipped) }
        }
        let result = try PostgresDispatch.withLog(url, check: .knownMigrations, waits: .lock) { log in
            try await push.run(from: metrics, to: log, progress: report)
        }
        if progress != nil { Console.endProgress() }
        if result.pulledRangesUnreadable {
            Console.error("note: this database pulled from a team log, but the role may not read team_log_identity on \(url.redacted): "
                + "its pulled events were looked up and skipped instead of left out (GRANT SELECT ON team_log_identity "
                + "to the push role; docs/scale-out.md)")
        }
        if output.json {
            try Console.printJSON(.object(JSONObject([
                ("source_id", .string(result.sourceID.uuidString.lowercased())),
                ("cursor", .int(Int(result.cursor))),
                ("pushed", .int(result.pushed)),
                ("skipped", .int(result.skipped)),
                ("pulled_from_log", .int(result.pulledFromLog)),
                ("pulled_ranges_readable", .bool(!result.pulledRangesUnreadable)),
                ("batches", .int(result.batches)),
            ])))
        } else {
            let pulled = result.pulledFromLog > 0 ? "; \(result.pulledFromLog) pulled from it, not sent" : ""
            print("pushed \(result.pushed) event(s) to \(url.redacted) (\(result.skipped) already there\(pulled); source \(result.sourceID.uuidString.lowercased()), resumed after local seq \(result.cursor))")
        }
    }
}
