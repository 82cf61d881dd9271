import Foundation
import Testing

/// `report --html` and `export --format openmetrics --output`: files written whole, in place
/// of the old ones, with nothing printed on stderr.
@Suite("report / export files (CLI)")
struct ReportExportCLITests {
    func inode(_ path: String) -> UInt64? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.systemFileNumber] as? NSNumber)?.uint64Value
    }

    func loadedDatabase(_ scratch: Scratch) throws -> String {
        let input = scratch.file("e.jsonl")
        try jsonlEvents(prefix: "e", count: 500, skills: 12).write(toFile: input, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["append", "--db", scratch.db, "--jsonl", input]).status == 0)
        return scratch.db
    }

    @Test func htmlReportWarnsAboutNothing() throws {
        let scratch = Scratch()
        let db = try loadedDatabase(scratch)
        let page = scratch.file("report.html")
        let result = try CLI.run(["report", "--db", db, "--html", page])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty, "stderr: \(result.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.hasSuffix("</html>\n"))
        #expect(html.contains("class=\"x-label\""))
    }

    @Test func openMetricsOutputReplacesTheFileAtomically() throws {
        let scratch = Scratch()
        let db = try loadedDatabase(scratch)
        let output = scratch.file("skills.prom")
        try Data("# old exposition\n".utf8).write(to: URL(fileURLWithPath: output))
        _ = chmod(output, 0o640)
        let before = try #require(inode(output))
        let result = try CLI.run(["export", "--db", db, "--format", "openmetrics", "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "stderr: \(result.stderr)")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.hasSuffix("# EOF\n") && text.contains("skill_metrics_events 500"))
        // A new file renamed over the old one (a reader holding the old one keeps it whole),
        // with the old file's permission bits and no temporary file left beside it.
        #expect(inode(output) != before)
        #expect(posixMode(output) == 0o640)
        let stdout = try CLI.run(["export", "--db", db, "--format", "openmetrics"])
        #expect(stdout.stdout == text)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        // A directory that does not exist is an error naming the file, not a trap.
        let missing = try CLI.run(["export", "--db", db, "--format", "openmetrics", "--output", scratch.file("no/such/dir/x.prom")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("x.prom"), "\(missing.stderr)")
    }
}
