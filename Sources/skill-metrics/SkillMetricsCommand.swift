import ArgumentParser
import Foundation
import SkillMetrics

/// The `skill-metrics` command: an event-sourced, append-only skill-invocation log in SQLite.
struct SkillMetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skill-metrics",
        abstract: "Skill-invocation metrics as an append-only event log in SQLite, with live projections.",
        discussion: HelpText.reflow("""
            Every invocation is one immutable row of skill_invocation; SQL triggers keep the
            skill_metrics and session_skill projections live, and Swift projectors recompute them
            from the log (rebuild, verify).

            The database is --db PATH, else $SKILL_METRICS_DB, else .session-buddy/skill_metrics.db.
            --db PATH (and --migrations-dir DIR) may be given before the subcommand as well as \
            after it, with the same meaning: `skill-metrics --db x.db list` is \
            `skill-metrics list --db x.db`.

            Read-only commands (show, list, summary, timeline, search, report, export, \
            export-json, diff-json, verify, health, audit verify, audit replay) never create, \
            migrate or write the database: a missing file or an older schema is an error.

            Exit status: 0 success, 1 a check found a problem, 2 a usage, input or environment \
            error (a bad argument, a bad input file, a missing, damaged, foreign or outdated \
            database, a file-system or SQLite error).
            """),
        subcommands: [
            Migrate.self, Append.self, Rebuild.self, Verify.self, Show.self, List.self,
            Summary.self, Timeline.self, Search.self, Report.self, RefreshSummary.self, Export.self,
            ImportJSON.self, ExportJSON.self, DiffJSON.self, Cutover.self, Rollback.self,
            Audit.self, Backup.self, Restore.self, Health.self, Push.self, Pull.self,
        ])
}

/// Entry point: runs the command and maps errors to the documented exit statuses
/// (0 success, 1 a check found a problem, 2 usage, input or environment error). Every error
/// leaves with a message on stderr naming what failed and where.
@main
enum SkillMetricsMain {
    static func main() {
        SignalCleanup.install()
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try SkillMetricsCommand.parseAsRoot(try LeadingStoreOptions.rewrite(arguments))
            Console.commandPath = commandPath(of: command)
            try PostgresDispatch.refuseURLUnlessTaken(databasePath(arguments), commandPath: Console.commandPath)
            try command.run()
            if Console.hasFindings { exit(1) }
        } catch let error as CheckFailed {
            fail(error.status)
        } catch let error as SkillMetricsError {
            Console.error(error.description)
            fail(2)
        } catch let error as BatchAppendFailure {
            Console.error(error.description)
            fail(2)
        } catch let error as UsageError {
            Console.error(error.message)
            Console.error("see `skill-metrics --help`")
            fail(2)
        } catch let error as ExitCode {
            if error == .success { exit(0) }
            fail(error.rawValue == 1 ? 1 : 2)
        } catch {
            let code = SkillMetricsCommand.exitCode(for: error)
            if code == .success {
                let message = SkillMetricsCommand.fullMessage(for: error)
                if !message.isEmpty { print(message) }
                exit(0)
            }
            if code == .validationFailure {
                // argument-parser's usage errors (64) carry their own message and usage.
                let message = SkillMetricsCommand.fullMessage(for: error)
                if !message.isEmpty { Console.error(message) }
                fail(2)
            }
            if let wrapped = SkillMetricsError(databaseError: error, path: databasePath(arguments)) {
                Console.error(wrapped.description)
            } else {
                Console.error(environmentMessage(error, database: databasePath(arguments)))
            }
            fail(2)
        }
    }

    /// Exits with a failure status after removing a database file this run created and left
    /// without an event (``CreatedDatabase``).
    static func fail(_ status: Int32) -> Never {
        CreatedDatabase.discardAfterFailure()
        exit(status)
    }

    /// The names of the parsed subcommand (`audit verify`), found by walking the command tree.
    static func commandPath(of command: any ParsableCommand) -> String {
        let target = type(of: command)
        func search(_ node: any ParsableCommand.Type, _ path: [String]) -> [String]? {
            if node == target { return path }
            for child in node.configuration.subcommands {
                if let found = search(child, path + [child._commandName]) { return found }
            }
            return nil
        }
        return (search(SkillMetricsCommand.self, []) ?? []).joined(separator: " ")
    }

    /// The database path in effect for the arguments (for messages about SQLite errors).
    static func databasePath(_ arguments: [String]) -> String {
        if let path = LeadingStoreOptions.databasePath(in: arguments) { return path }
        if let fromEnvironment = ProcessInfo.processInfo.environment["SKILL_METRICS_DB"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return SkillMetricsStore.defaultPath
    }

    /// A message for an error that is neither the library's nor argument-parser's: a
    /// file-system error names its file, anything else names its type and the database.
    static func environmentMessage(_ error: any Error, database: String) -> String {
        let nsError = error as NSError
        if let path = nsError.userInfo[NSFilePathErrorKey] as? String ?? (nsError.userInfo[NSURLErrorKey] as? URL)?.path {
            return "\(path): \(nsError.localizedDescription)"
        }
        if nsError.domain == NSCocoaErrorDomain || nsError.domain == NSPOSIXErrorDomain {
            return "file system error (\(nsError.domain) \(nsError.code)): \(nsError.localizedDescription)"
        }
        return "\(database): \(String(describing: type(of: error))): \(error)"
    }
}

/// Thrown by a check command (verify, validate …) that already printed its findings.
struct CheckFailed: Error {
    var status: Int32 = 1
}
