import ArgumentParser

/// `audit`: tamper evidence over the event log.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tamper evidence: record and verify hash-chain checkpoints of the log.",
        subcommands: [AuditCheckpoint.self, AuditVerify.self])
}
