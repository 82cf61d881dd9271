import ArgumentParser
import Foundation
import SkillMetrics

/// `audit checkpoint`: record the hash-chain digest through the last event.
struct AuditCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Record a SHA-256 hash-chain digest of every event up to the last seq, and print it.",
        discussion: HelpText.reflow("""
            Keep the printed seq and digest somewhere the database's users cannot write: \
            `audit verify --seq N --digest HEX` then proves the log still matches it, even if the \
            audit tables in the database were rewritten too. With no new event since the latest \
            checkpoint, that checkpoint is printed again.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let metrics = try store.openStore(create: false)
        let checkpoint = try Auditor(store: metrics).checkpoint()
        if output.json {
            try checkpoint.printJSON()
        } else {
            let note = checkpoint.isNew ? "" : " (no new events; latest checkpoint)"
            print("checkpoint seq \(checkpoint.seq) digest \(checkpoint.digest) events \(checkpoint.eventCount) at \(checkpoint.createdAt)\(note)")
        }
    }
}
