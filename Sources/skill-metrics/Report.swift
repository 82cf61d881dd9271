import ArgumentParser
import Foundation
import SkillMetrics

/// `report`: the legacy plain-text report, or an HTML page.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the legacy plain-text report (byte-identical to generate_report()), or write an HTML report.",
        discussion: HelpText.reflow("""
            The text is generate_report()'s return value byte for byte, followed by one newline, \
            as Python's print() writes it.

            --html FILE writes one self-contained page (inline SVG charts, no network): invocations
            per day per skill, completion rate per skill and duration percentiles per skill.
            """))

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: ArgumentHelp("Write an HTML report to this file.", valueName: "file"))
    var html: String?

    func run() throws {
        let metrics = try store.openStore(access: .readOnly)
        guard let html else {
            print(try LegacyReportRenderer(store: metrics).render())
            return
        }
        let page = try HTMLReportRenderer(store: metrics).render()
        try AtomicFileWriter.write(Array(page.utf8), to: html)
        print("wrote \(html)")
    }
}
