import ArgumentParser
import Foundation
import SkillMetrics

/// `audit verify`: recompute the hash chain and compare it with the checkpoints.
struct AuditVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute the hash chain and check it against every checkpoint (exit 1 naming the first seq that differs).",
        discussion: HelpText.reflow("""
            Finds an event changed, removed or inserted at or before a checkpoint, even when the \
            immutability triggers were dropped and the file edited with another client. \
            --seq N --digest HEX also checks a digest kept outside the database. Events after \
            the latest checkpoint are not covered until the next `audit checkpoint`.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, parsing: .unconditional, help: "Seq of a digest kept outside the database (with --digest).")
    var seq: Int64?
    @Option(name: .long, help: ArgumentHelp("The expected digest through --seq (64 hex digits).", valueName: "hex"))
    var digest: String?

    func validate() throws {
        if (seq == nil) != (digest == nil) { throw ValidationError("--seq and --digest go together") }
        if let digest, Hex.decode(digest, byteCount: 32) == nil {
            throw ValidationError("--digest must be 64 hex digits")
        }
        if let seq, seq < 0 { throw ValidationError("--seq must not be negative") }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: store.path) else {
            throw SkillMetricsError.fileAccess(path: store.path, reason: "no such database")
        }
        let metrics = try store.openStoreForChecking()
        let expected = seq.flatMap { seq in digest.map { (seq: seq, digest: $0) } }
        let report = try Auditor(store: metrics).verify(expected: expected)
        if output.json {
            try report.printJSON()
        } else if report.isIntact {
            if report.checkpoints == 0 {
                print(Console.checkPassed("no checkpoint recorded yet (run `skill-metrics audit checkpoint`)"))
            } else {
                print(Console.checkPassed(
                    "\(report.eventsChecked) events through seq \(report.coveredThrough) match \(report.checkpoints) checkpoint(s)"))
            }
        } else {
            for problem in report.problems { print(problem.description) }
            if let first = report.firstDifferentSeq {
                print("tampering detected: first differing seq \(first)")
            }
        }
        if !report.isIntact { throw CheckFailed() }
    }
}
