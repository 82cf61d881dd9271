import ArgumentParser
import Foundation
import SkillMetrics

/// Options every database command takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The database file (default: $SKILL_METRICS_DB, else .session-buddy/skill_metrics.db).",
        valueName: "path"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp(
        "Read migrations from this directory instead of the copy built into the binary.",
        valueName: "dir"))
    var migrationsDir: String?

    /// The database path in effect.
    var path: String {
        if let db { return db }
        if let fromEnvironment = ProcessInfo.processInfo.environment["SKILL_METRICS_DB"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return SkillMetricsStore.defaultPath
    }

    /// Opens (and migrates, unless told not to) the store.
    func openStore(migrate: Bool = true) throws -> SkillMetricsStore {
        try PostgresDispatch.refuseURL(path, command: "this command")
        var options = SkillMetricsStore.Options()
        options.migrate = migrate
        if let migrationsDir { options.migrations = .directory(migrationsDir) }
        options.logger = Console.logger
        return try SkillMetricsStore(path: path, options: options)
    }
}

/// `--json` for commands whose output is data.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false
}
