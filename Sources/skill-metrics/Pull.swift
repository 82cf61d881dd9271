import ArgumentParser
import Foundation
import SkillMetrics
import SkillMetricsPostgres

/// `pull --from URL`: append the team log's events to the local database (a replica).
struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append the PostgreSQL team log's events, in its order, to the local database.",
        discussion: HelpText.reflow("""
            Incremental and idempotent: the local table sync_pull keeps the last server seq \
            pulled. The replica holds the whole team's log, so every local command works on it. \
            Into a file with no event the whole pull is one transaction (a failed or killed \
            clone leaves the file empty; run again, it starts over). Progress goes to stderr \
            when it is a terminal.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: ArgumentHelp("The team log.", valueName: "url"))
    var from: String

    /// Here rather than in `run()`, so that the message comes with pull's own usage line
    /// instead of the top-level one.
    func validate() throws {
        guard PostgresURL.isPostgresURL(from) else { throw ValidationError("--from must be a postgres:// URL") }
    }

    func run() throws {
        try PostgresDispatch.refuseURL(store.path, command: "pull (--db)")
        // validate() made sure of a postgres:// URL; a malformed one is reported by url(_:).
        guard let url = try PostgresDispatch.url(from) else {
            throw SkillMetricsError.invalidInput(location: "--from", reason: "expected a postgres:// URL")
        }
        // The local file is opened (and created when missing) once the server answers, so
        // an unreachable server leaves no new file behind.
        let storeOptions = store
        let progress = Console.progress("pulling")
        let result = try PostgresDispatch.withLog(url, check: .knownMigrations, waits: .lock) { log in
            try await TeamLogPull().run(from: log, into: try storeOptions.openStore(), progress: progress)
        }
        if progress != nil { Console.endProgress() }
        if output.json {
            try Console.printJSON(.object(JSONObject([
                ("cursor", .int(Int(result.cursor))),
                ("appended", .int(result.appended)),
                ("skipped", .int(result.skipped)),
                ("last_server_seq", .int(Int(result.lastServerSeq))),
            ])))
        } else {
            print("pulled \(result.appended) event(s) from \(url.redacted) (\(result.skipped) already here; through server seq \(result.lastServerSeq))")
        }
    }
}
