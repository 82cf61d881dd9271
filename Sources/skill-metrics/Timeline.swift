import ArgumentParser
import SkillMetrics

/// `timeline`: invocations per time bucket.
struct Timeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Invocations per hour, day or week over a window (UTC buckets, empty ones included).",
        discussion: HelpText.reflow("""
            The window is [UNTIL - WINDOW, UNTIL); UNTIL defaults to now. Each bucket shows
            invocations, completed, abandoned and the mean duration of its completed invocations.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "Only this skill (default: all skills).") var skill: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Window length: \"7 days\", \"24 hours\", \"2 weeks\", \"90 minutes\", or short: \"12h\", \"3d\", \"1w\", \"90m\".", valueName: "length"))
    var window: String = "7 days"

    @Option(name: .long, help: ArgumentHelp("Bucket size.", valueName: "hour|day|week"))
    var bucket: String = "day"

    @Option(name: .long, help: ArgumentHelp("End of the window, ISO-8601 with Z or an offset (default: now).", valueName: "timestamp"))
    var until: String?

    func run() throws {
        guard let size = SkillMetrics.Timeline.BucketSize(rawValue: bucket) else {
            throw SkillMetricsError.invalidInput(location: "--bucket", reason: "expected hour, day or week, got \(bucket)")
        }
        let length = try SkillMetrics.Timeline.parseWindow(window)
        var end = Timestamp.now()
        if let until {
            do {
                end = try Timestamp.parse(until)
            } catch {
                throw SkillMetricsError.invalidInput(location: "--until", reason: error.description)
            }
        }
        let metrics = try store.openStore(access: .readOnly)
        let timeline = try TimelineQuery(store: metrics).run(skill: skill, windowMicroseconds: length, bucket: size, end: end)
        if output.json {
            try timeline.printJSON()
            return
        }
        print("bucket start                   invocations  completed  abandoned  avg duration")
        for row in timeline.buckets {
            let average = row.avgDurationSeconds.map(MetricsText.seconds) ?? "-"
            print(row.start.canonical + "    " + String(format: "%11d %10d %10d  ", row.invocations, row.completed, row.abandoned) + average)
        }
    }
}
