import ArgumentParser
import Foundation
import SkillMetrics

/// The `skill-metrics` command: an event-sourced, append-only skill-invocation log in SQLite.
struct SkillMetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skill-metrics",
        abstract: "Skill-invocation metrics as an append-only event log in SQLite, with live projections.",
        discussion: """
            Every invocation is one immutable row of skill_invocation; SQL triggers keep the
            skill_metrics and session_skill projections live, and Swift projectors recompute them
            from the log (rebuild, verify).

            The database is --db PATH, else $SKILL_METRICS_DB, else .session-buddy/skill_metrics.db.
            Exit status: 0 success, 1 a check found a problem, 2 a usage or input error.
            """,
        subcommands: [
            Migrate.self, Append.self, Rebuild.self, Verify.self, Show.self, List.self,
            Summary.self, Timeline.self, Search.self, Report.self, RefreshSummary.self, Export.self,
            ImportJSON.self, ExportJSON.self, DiffJSON.self, Cutover.self, Rollback.self,
            Audit.self, Backup.self, Restore.self, Health.self, Push.self, Pull.self,
        ])
}

/// Entry point: runs the command and maps errors to the documented exit statuses
/// (0 success, 1 a check found a problem, 2 usage or input error).
@main
enum SkillMetricsMain {
    static func main() {
        do {
            var command = try SkillMetricsCommand.parseAsRoot()
            try command.run()
        } catch let error as SkillMetricsError {
            Console.error(error.description)
            exit(2)
        } catch let error as BatchAppendFailure {
            Console.error(error.description)
            exit(2)
        } catch let error as CheckFailed {
            exit(error.status)
        } catch {
            let code = SkillMetricsCommand.exitCode(for: error)
            let message = SkillMetricsCommand.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                exit(0)
            }
            if !message.isEmpty { Console.error(message) }
            // Usage errors (argument-parser's 64) and every other failure are status 2.
            exit(code == ExitCode(1) ? 1 : 2)
        }
    }
}

/// Thrown by a check command (verify, validate …) that already printed its findings.
struct CheckFailed: Error {
    var status: Int32 = 1
}
