import ArgumentParser

/// `audit`: point-in-time replay and tamper evidence. Each subcommand lives in its own file.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Audit the log: replay the projections to a point in time, record and verify hash-chain checkpoints.",
        subcommands: [AuditReplay.self, AuditCheckpoint.self, AuditVerify.self])
}
