import Foundation
import Logging
import Synchronization
import Testing
@testable import SkillMetrics

@Suite struct ReportTests {
    @Test(arguments: LegacyFixtureEvents.reportFixtures)
    func reportIsByteIdenticalToLegacyGenerateReport(fixture: String) throws {
        let database = try TestDatabase()
        try database.store.append(try LegacyFixtureEvents.load(fixture))
        guard case .string(let expected)? = try LegacyFixtureEvents.expected(fixture)["report"] else {
            Issue.record("no report in the expected file")
            return
        }
        let report = try LegacyReportRenderer(store: database.store).render()
        #expect(Array(report.utf8) == Array(expected.utf8))
    }

    @Test func oneDecimalRoundsTheBinaryValueLikePython() {
        // Python: f"{0.25:.1f}" == "0.2", f"{0.35:.1f}" == "0.3" (0.35 is below .35 in binary),
        // f"{2.675:.1f}" == "2.7", f"{-0.04:.1f}" == "-0.0".
        #expect(LegacyReportRenderer.oneDecimal(0.25) == "0.2")
        #expect(LegacyReportRenderer.oneDecimal(0.35) == "0.3")
        #expect(LegacyReportRenderer.oneDecimal(2.675) == "2.7")
        #expect(LegacyReportRenderer.oneDecimal(-0.04) == "-0.0")
        #expect(LegacyReportRenderer.oneDecimal(71.42857142857143) == "71.4")
    }

    @Test func htmlReportIsSelfContainedAndEscapesNames() throws {
        let database = try TestDatabase()
        try database.store.append(try LegacyFixtureEvents.load("hostile"))
        let page = try HTMLReportRenderer(store: database.store).render(generatedAt: ts("2026-03-01T00:00:00Z"))
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.components(separatedBy: "<svg").count - 1 == 3)
        #expect(!page.contains("<script"))
        // No resource is fetched: the only URL is the SVG namespace.
        let urls = page.components(separatedBy: "http").count - 1
        #expect(urls == page.components(separatedBy: "http://www.w3.org/2000/svg").count - 1)
        #expect(!page.contains("quote\"skill"))
        #expect(page.contains("quote&quot;skill"))
        #expect(page.contains("x&#39; OR &#39;1&#39;=&#39;1") || !page.contains("x' OR"))
    }

    /// Renders the HTML report in headless Chromium and checks the screenshot is not blank.
    /// Runs only where `chromium` is installed (`apt-get install chromium`).
    @Test(.enabled(if: ReportTests.chromium != nil, "chromium is not installed; skipping the render check"))
    func htmlReportRendersInHeadlessChromium() throws {
        let chromium = try #require(Self.chromium)
        let database = try TestDatabase()
        try database.store.append(try LegacyFixtureEvents.load("large"))
        let directory = TemporaryDirectory()
        let page = directory.file("report.html"), shot = directory.file("report.png")
        try Data(try HTMLReportRenderer(store: database.store).render().utf8).write(to: URL(fileURLWithPath: page))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--screenshot=\(shot)",
                             "--window-size=1200,1600", "file://\(page)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        // A blank white page compresses to a few KB; charts and text make it far larger.
        #expect(png.count > 30_000)
    }

    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test func slowQueriesLogAWarning() throws {
        let records = LogRecords()
        var options = SkillMetricsStore.Options()
        options.slowQueryThreshold = 0
        options.logger = Logger(label: "test") { _ in CapturingLogHandler(records: records) }
        let database = try TestDatabase(options: options)
        _ = try SkillMetricsQueries(store: database.store).summary()
        #expect(records.all.contains { $0.contains("slow query") && $0.contains("allMetricsInFirstSeenOrder") })
    }

    @Test func fastQueriesLogNothing() throws {
        let records = LogRecords()
        var options = SkillMetricsStore.Options()
        options.slowQueryThreshold = 3600
        options.logger = Logger(label: "test") { _ in CapturingLogHandler(records: records) }
        let database = try TestDatabase(options: options)
        _ = try SkillMetricsQueries(store: database.store).summary()
        #expect(!records.all.contains { $0.contains("slow query") })
    }
}

/// Log lines captured by ``CapturingLogHandler``.
final class LogRecords: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// Collects log records as "level message metadata" lines.
struct CapturingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let level = event.level, message = event.message
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        records.append("\(level) \(message) \(fields)")
    }
}
