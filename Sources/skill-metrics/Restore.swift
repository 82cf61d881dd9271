import ArgumentParser
import Foundation
import SkillMetrics

/// `restore`: replace the database with a checked backup.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace the database with a backup, after checking the backup.",
        discussion: HelpText.reflow("""
            The backup is copied next to the database and checked there: PRAGMA integrity_check, \
            that it is a SkillMetrics database with a matching migration history, verify \
            (projections match the log) and audit verify. Only then is it renamed over the \
            database, atomically. A corrupt, truncated or foreign file is refused and nothing \
            changes. Stop every process using the database first; restore refuses while the \
            database is open elsewhere.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The backup file.") var file: String

    func run() throws {
        let migrations: MigrationSource = store.migrationsDir.map { .directory($0) } ?? .embedded
        // BackupService checks the backup (schema included) before anything is replaced.
        let result = try BackupService.restore(from: file, to: store.path, migrations: migrations)
        if output.json {
            try result.printJSON()
        } else {
            print("restored \(result.path) from \(result.source): \(result.events) events through seq \(result.lastSeq), schema version \(result.schemaVersion)")
        }
    }
}
