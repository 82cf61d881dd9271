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

    /// Opens the store.
    ///
    /// Read-write (`access: .readWrite`, for commands that write): creates the file when
    /// missing and migrates it (unless `migrate` is false). Read-only (`.readOnly`, for
    /// commands that only read): a missing file is an error naming the path and nothing is
    /// created; `migrate` true requires the latest schema (an older one says to run
    /// `skill-metrics migrate`), false accepts any known version.
    ///
    /// A read-only open also compares the file's schema with the one its migrations create
    /// and refuses a difference naming the object — except for the check commands (`verify`,
    /// `health`, `audit verify`), which refuse only table differences: a dropped trigger or
    /// index is printed on stderr as a finding (exit status 1) and the check still runs, so
    /// that `audit verify` can name the event edited after the immutability triggers went.
    ///
    /// A read-write open refuses any schema difference too, before it changes anything (no WAL
    /// switch, no migration): an append into a file whose projection trigger was dropped would
    /// otherwise leave its projections silently behind. `checkSchema: false` is for the
    /// commands whose job includes such files: `rebuild` (restores the missing triggers and
    /// indexes), `backup` (copies the file as it is), `migrate status` and `migrate validate`
    /// (report on it).
    ///
    /// `create: false` (``SkillMetricsStore/Options/createIfMissing``) is for read-write commands
    /// that work on a log that must already be there (`rebuild`, `refresh-summary`, `audit
    /// checkpoint`, `push`, `rollback`, `migrate status|validate|undo`): a missing file is then
    /// the same error as for a read-only open, and nothing is created. A file a read-write open
    /// creates is removed again when the command fails before an event is in it
    /// (``CreatedDatabase``).
    func openStore(access: SkillMetricsStore.Options.AccessMode = .readWrite, migrate: Bool = true, create: Bool = true,
                   checkSchema: Bool = true) throws -> SkillMetricsStore {
        try PostgresDispatch.refuseURL(path, command: "this command")
        var options = SkillMetricsStore.Options()
        options.access = access
        options.migrate = migrate
        options.createIfMissing = create
        if access == .readOnly {
            options.schemaCheck = Self.checkCommands.contains(Console.commandPath) ? .refuseTables : .refuseAny
        } else if checkSchema {
            options.schemaCheck = .refuseAny
        }
        if let migrationsDir { options.migrations = .directory(migrationsDir) }
        options.logger = Console.logger
        if access == .readWrite && create { CreatedDatabase.noteOpen(path) }
        let store = try SkillMetricsStore(path: path, options: options)
        for difference in store.schemaDifferences {
            Console.finding("\(path): schema: \(difference.description) (not what the migrations create)")
        }
        return store
    }

    /// The read-only open of the check commands that read a file at any known schema version
    /// without migrating it (`health`, `audit verify`). A file at version 0 that has a
    /// `schema_migrations` table but no migration recorded (an empty file or another program's
    /// is refused earlier, by the store's open) holds none of the tables they read: it is refused
    /// with the message the queries give for an outdated schema (run `skill-metrics migrate`)
    /// instead of a raw "no such table" from SQLite. Nothing is created or changed.
    func openStoreForChecking() throws -> SkillMetricsStore {
        let metrics = try openStore(access: .readOnly, migrate: false)
        let version = try metrics.schemaVersion()
        if version == 0 {
            throw SkillMetricsError.schemaNeedsMigration(
                path: path, version: version, latestVersion: metrics.migrationRunner.latestVersion)
        }
        return metrics
    }

    /// The commands whose job is to find problems in the file.
    static let checkCommands: Set<String> = ["verify", "health", "audit verify"]
}

/// `--json` for commands whose output is data.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false
}
