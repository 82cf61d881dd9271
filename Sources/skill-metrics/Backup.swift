import ArgumentParser
import Foundation
import SkillMetrics

/// `backup`: an online, consistent copy of the database.
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a consistent copy of the database while writers keep running.",
        discussion: HelpText.reflow("""
            `backup FILE` writes FILE (owner-only; an existing FILE is refused). \
            `backup --dir DIR --keep N` writes DIR/<name>-<UTC time>.db and removes the oldest \
            such backups beyond the newest N. The copy is taken with VACUUM INTO on one read \
            snapshot, so it holds a prefix of the log; `restore` checks it before use.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The backup file to write.") var file: String?
    @Option(name: .long, help: ArgumentHelp("Write a timestamped backup into this directory.", valueName: "dir"))
    var dir: String?
    @Option(name: .long, parsing: .unconditional, help: "With --dir: keep the newest N backups (default 7).")
    var keep: Int?

    func validate() throws {
        if (file == nil) == (dir == nil) { throw ValidationError("give either FILE or --dir DIR") }
        if keep != nil && dir == nil { throw ValidationError("--keep goes with --dir") }
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1") }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: store.path) else {
            throw SkillMetricsError.fileAccess(path: store.path, reason: "no such database")
        }
        let metrics = try store.openStore(migrate: false, create: false, checkSchema: false)
        let result: BackupResult
        if let file {
            result = try BackupService(store: metrics).backup(to: file)
        } else if let dir {
            result = try BackupService(store: metrics).backup(directory: dir, keep: keep ?? 7)
        } else {
            throw ValidationError("give either FILE or --dir DIR")
        }
        if output.json {
            try result.printJSON()
        } else {
            print("backup \(result.path): \(result.events) events through seq \(result.lastSeq), \(result.bytes) bytes")
            for removed in result.removed { print("removed old backup \(removed)") }
        }
    }
}
