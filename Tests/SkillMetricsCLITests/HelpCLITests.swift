import Foundation
import Testing

/// `--help` of every command reads as paragraphs: the discussions are written hard-wrapped in
/// the source and reflowed before swift-argument-parser wraps them at 80 columns, so no line
/// breaks off after a word or two in the middle of a sentence.
@Suite("CLI help")
struct HelpCLITests {
    /// The subcommands the top-level help lists, and the audit and migrate subcommands.
    static func commands() throws -> [[String]] {
        let top = try CLI.run(["--help"]).stdout
        let names = top.components(separatedBy: "SUBCOMMANDS:").last?
            .split(separator: "\n")
            .compactMap { line -> String? in
                guard line.hasPrefix("  "), let name = line.split(separator: " ").first else { return nil }
                return String(name)
            } ?? []
        return [[]] + names.map { [$0] }
            + ["replay", "checkpoint", "verify"].map { ["audit", $0] }
            + ["up", "status", "validate", "undo"].map { ["migrate", $0] }
    }

    @Test func everyHelpKeepsItsSentencesTogether() throws {
        let commands = try Self.commands()
        #expect(commands.count > 20, "\(commands)")
        for command in commands {
            let result = try CLI.run(command + ["--help"])
            #expect(result.status == 0, "\(command)")
            let discussion = result.stdout.components(separatedBy: "USAGE:").first ?? ""
            let lines = discussion.split(separator: "\n", omittingEmptySubsequences: false)
            for (line, next) in zip(lines, lines.dropFirst()) where line.count < 40 && !line.isEmpty && next.contains(" ") {
                // A short line followed by a sentence going on in lower case is a broken line
                // (a token too long for any line, as a URL pattern, gets a line of its own).
                #expect(next.first.map { !$0.isLowercase } ?? true,
                        "\(command.joined(separator: " ")) --help breaks after \"\(line)\": next \"\(next)\"")
            }
        }
    }
}
