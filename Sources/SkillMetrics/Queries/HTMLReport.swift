import Foundation

/// A self-contained HTML report (`report --html FILE`): totals, and inline SVG charts of
/// invocations per day per skill, completion rate per skill and duration percentiles per skill.
///
/// No scripts, styles or fonts are fetched: the page works offline. Names are HTML-escaped and
/// control characters shown as Unicode control pictures.
public struct HTMLReport: Sendable {
    /// Invocations of one skill on one UTC day (`YYYY-MM-DD`).
    public struct DailyCount: Sendable, Equatable {
        public var skillName: String
        public var day: String
        public var invocations: Int
    }

    /// Skills in first-appearance order.
    public var rows: [SkillMetricsRow]
    public var daily: [DailyCount]
    /// When the report was made (shown in the page).
    public var generatedAt: Timestamp

    /// Most skills drawn as their own line (the rest are summed as "other skills").
    static let seriesLimit = 8
    /// Most skills listed in the bar charts.
    static let barLimit = 25
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]

    public init(rows: [SkillMetricsRow], daily: [DailyCount], generatedAt: Timestamp) {
        self.rows = rows
        self.daily = daily
        self.generatedAt = generatedAt
    }

    /// The page. Throws when the rows' counts do not add up in a 64-bit integer (an altered or
    /// damaged projection).
    public func render() throws(SkillMetricsError) -> String {
        let summary = try SkillMetricsSummary(rowsInFirstSeenOrder: rows)
        let byUsage = summary.skillsByUsage.compactMap { usage in rows.first { ExactText($0.skillName) == ExactText(usage.name) } }
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Skill Metrics Report</title>
            <style>
            body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1100px; }
            h1 { margin-bottom: 4px; } h2 { margin-top: 32px; border-bottom: 1px solid #ccc; }
            .totals { display: flex; gap: 24px; flex-wrap: wrap; }
            .totals div { background: #f3f5f8; padding: 10px 16px; border-radius: 6px; }
            .totals b { display: block; font-size: 1.4em; }
            table { border-collapse: collapse; margin-top: 12px; }
            td, th { border: 1px solid #ddd; padding: 4px 8px; text-align: right; }
            td:first-child, th:first-child { text-align: left; max-width: 360px; overflow-wrap: anywhere; }
            svg text { font-size: 12px; font-family: sans-serif; }
            </style>
            </head>
            <body>
            <h1>Skill Metrics Report</h1>
            <p>Generated \(Self.escape(generatedAt.canonical)); all times UTC.</p>
            <div class="totals">
            <div>Skills<b>\(summary.totalSkills)</b></div>
            <div>Invocations<b>\(summary.totalInvocations)</b></div>
            <div>Completion rate<b>\(LegacyReportRenderer.oneDecimal(summary.overallCompletionRate))%</b></div>
            <div>Average duration<b>\(LegacyReportRenderer.oneDecimal(summary.avgDurationSeconds))s</b></div>
            </div>

            """
        html += try "<h2>Invocations per day</h2>\n" + timeSeriesChart(byUsage) + "\n"
        html += "<h2>Completion rate per skill</h2>\n" + completionChart(byUsage) + "\n"
        html += "<h2>Duration percentiles per skill</h2>\n" + percentileChart(byUsage) + "\n"
        html += "<h2>All skills</h2>\n<table>\n<tr><th>skill</th><th>invocations</th><th>completed</th><th>abandoned</th><th>completion</th><th>avg</th><th>p50</th><th>p95</th><th>p99</th></tr>\n"
        for row in byUsage {
            let p = row.percentiles
            html += "<tr><td>\(Self.escape(row.skillName))</td><td>\(row.totalInvocations)</td><td>\(row.completedInvocations)</td>"
                + "<td>\(row.abandonedInvocations)</td><td>\(LegacyReportRenderer.oneDecimal(row.completionRate))%</td>"
                + "<td>\(Self.seconds(row.avgDurationSeconds))</td><td>\(p.map { Self.seconds($0.p50) } ?? "–")</td>"
                + "<td>\(p.map { Self.seconds($0.p95) } ?? "–")</td><td>\(p.map { Self.seconds($0.p99) } ?? "–")</td></tr>\n"
        }
        html += "</table>\n</body>\n</html>\n"
        return html
    }

    /// Nearest distance, in pixels, between the centres of two x-axis date labels. A label
    /// (`YYYY-MM-DD` at 12 px) is about 70 px wide, so neighbours keep a gap of 20 px or more.
    static let minimumLabelSpacing = 90.0

    /// Lines of invocations per day of the most used skills (``seriesLimit``), over every day
    /// from the first to the last (days without invocations are 0); ``daily`` needs to hold
    /// only those skills.
    func timeSeriesChart(_ byUsage: [SkillMetricsRow]) throws(SkillMetricsError) -> String {
        let dayNumbers = daily.compactMap { Self.dayNumber($0.day) }
        guard let firstDay = dayNumbers.min(), let lastDay = dayNumbers.max() else { return "<p>No invocations yet.</p>" }
        let dayCount = lastDay - firstDay + 1
        let shown = byUsage.prefix(Self.seriesLimit).map(\.skillName)
        let seriesIndex = Dictionary(shown.enumerated().map { (ExactText($0.element), $0.offset) }, uniquingKeysWith: { a, _ in a })
        var series = Array(repeating: Array(repeating: 0, count: dayCount), count: shown.count)
        for count in daily {
            guard let day = Self.dayNumber(count.day), let index = seriesIndex[ExactText(count.skillName)] else { continue }
            series[index][day - firstDay] += count.invocations
        }
        // The rest are summed into a caption, not a line: their total would flatten the others.
        var others = 0
        for row in byUsage.dropFirst(shown.count) {
            others = try SkillMetricsSummary.sum(others, row.totalInvocations, "total_invocations", row.skillName)
        }
        let names = shown
        let width = 1000.0, height = 320.0, left = 60.0, right = 60.0, top = 20.0, bottom = 40.0
        let maxValue = Double(max(series.flatMap { $0 }.max() ?? 1, 1))
        func x(_ index: Int) -> Double {
            dayCount == 1 ? left + (width - left - right) / 2 : left + (width - left - right) * Double(index) / Double(dayCount - 1)
        }
        func y(_ value: Int) -> Double { top + (height - top - bottom) * (1 - Double(value) / maxValue) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height + 22 * Double((names.count + 2) / 3)))\" role=\"img\" aria-label=\"Invocations per day per skill\">\n"
        svg += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - right)\" y2=\"\(height - bottom)\" stroke=\"#888\"/>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(height - bottom)\" stroke=\"#888\"/>\n"
        for step in 0...4 {
            let value = Int((maxValue * Double(step) / 4).rounded())
            svg += "<text x=\"\(left - 6)\" y=\"\(Self.format(y(value) + 4))\" text-anchor=\"end\">\(value)</text>\n"
        }
        let plotWidth = width - left - right
        for index in Self.labelledDays(count: dayCount, plotWidth: plotWidth) {
            let day = Self.dayText(firstDay + index)
            svg += "<text class=\"x-label\" x=\"\(Self.format(x(index)))\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\">\(day)</text>\n"
        }
        for (index, values) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            let points = values.enumerated().map { "\(Self.format(x($0.offset))),\(Self.format(y($0.element)))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            if values.count == 1 {
                svg += "<circle cx=\"\(Self.format(x(0)))\" cy=\"\(Self.format(y(values[0])))\" r=\"4\" fill=\"\(color)\"/>\n"
            }
        }
        for (index, name) in names.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            let lx = left + Double(index % 3) * 320, ly = height + 4 + Double(index / 3) * 22
            svg += "<rect x=\"\(lx)\" y=\"\(ly)\" width=\"12\" height=\"12\" fill=\"\(color)\"/>"
            svg += "<text x=\"\(lx + 18)\" y=\"\(ly + 11)\">\(Self.escape(Self.truncate(name, 40)))</text>\n"
        }
        svg += "</svg>"
        if others > 0 {
            svg += "\n<p>The \(shown.count) most used skills; \(others) invocations of \(byUsage.count - shown.count) other skills are not drawn.</p>"
        }
        return svg
    }

    /// The day indexes (0 ..< count) that get a date label: evenly spaced at least
    /// ``minimumLabelSpacing`` apart on a plot `plotWidth` wide, always the first day, and the
    /// last day in place of the label before it when that one would stand too close.
    static func labelledDays(count: Int, plotWidth: Double) -> [Int] {
        guard count > 1 else { return count == 1 ? [0] : [] }
        let pixelsPerDay = plotWidth / Double(count - 1)
        let step = max(1, Int((minimumLabelSpacing / pixelsPerDay).rounded(.up)))
        var indexes = Array(stride(from: 0, to: count, by: step))
        let last = count - 1
        if let previous = indexes.last, previous != last {
            if last - previous >= step {
                indexes.append(last)
            } else if indexes.count > 1 {
                indexes[indexes.count - 1] = last
            }
        }
        return indexes
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` text, or nil when it is not one.
    static func dayNumber(_ text: String) -> Int? {
        guard text.utf8.count == 10, let instant = Timestamp.parseCanonical(text + "T00:00:00.000000Z") else { return nil }
        return Int(instant.microsecondsSinceEpoch / 86_400_000_000)
    }

    /// `YYYY-MM-DD` of a day number.
    static func dayText(_ day: Int) -> String {
        String(Timestamp(microsecondsSinceEpoch: Int64(day) * 86_400_000_000).canonical.prefix(10))
    }

    /// Horizontal bars of the completion rate.
    func completionChart(_ byUsage: [SkillMetricsRow]) -> String {
        let shown = Array(byUsage.prefix(Self.barLimit))
        guard !shown.isEmpty else { return "<p>No skills yet.</p>" }
        let labelWidth = 280.0, barWidth = 600.0, rowHeight = 22.0
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(labelWidth + barWidth + 80))\" height=\"\(Int(rowHeight * Double(shown.count) + 10))\" role=\"img\" aria-label=\"Completion rate per skill\">\n"
        for (index, row) in shown.enumerated() {
            let y = 5 + rowHeight * Double(index)
            let width = barWidth * max(0, min(row.completionRate, 100)) / 100
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 14)\" text-anchor=\"end\">\(Self.escape(Self.truncate(row.skillName, 40)))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 2)\" width=\"\(barWidth)\" height=\"\(rowHeight - 6)\" fill=\"#eee\"/>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 2)\" width=\"\(Self.format(width))\" height=\"\(rowHeight - 6)\" fill=\"#2ca02c\"/>"
            svg += "<text x=\"\(labelWidth + barWidth + 6)\" y=\"\(y + 14)\">\(LegacyReportRenderer.oneDecimal(row.completionRate))%</text>\n"
        }
        return svg + "</svg>"
    }

    /// The duration axis of the percentile chart: linear from 0 when the durations stay
    /// within two orders of magnitude, else logarithmic over whole decades, so that a skill of
    /// milliseconds and one of minutes are both readable.
    struct DurationAxis: Equatable {
        enum Scale: String { case linear, log }
        var scale: Scale
        var low: Double
        var high: Double

        init(minimum: Double, maximum: Double) {
            let smallest = max(minimum, 0), largest = max(maximum, 0)
            if smallest > 0 && largest / smallest >= 100 {
                scale = .log
                low = pow(10, (log10(smallest)).rounded(.down))
                high = pow(10, (log10(largest)).rounded(.up))
                if high <= low { high = low * 10 }
            } else {
                scale = .linear
                low = 0
                high = largest > 0 ? largest : 1
            }
        }

        /// The position of `value` from 0 (low) to 1 (high); values outside clamp.
        func fraction(_ value: Double) -> Double {
            let raw: Double
            switch scale {
            case .linear: raw = (value - low) / (high - low)
            case .log: raw = value <= 0 ? 0 : (log10(value) - log10(low)) / (log10(high) - log10(low))
            }
            return raw.isFinite ? min(max(raw, 0), 1) : 0
        }

        /// Tick values: every decade on a log axis (every other one past ten), quarters on a
        /// linear one.
        var ticks: [Double] {
            switch scale {
            case .linear:
                return (0...4).map { low + (high - low) * Double($0) / 4 }
            case .log:
                let first = Int(log10(low).rounded()), last = Int(log10(high).rounded())
                let every = last - first > 10 ? 2 : 1
                return stride(from: first, through: last, by: every).map { pow(10, Double($0)) }
            }
        }
    }

    /// Per skill: a line from min to max with marks at p50, p95 and p99.
    func percentileChart(_ byUsage: [SkillMetricsRow]) -> String {
        let shown = byUsage.prefix(Self.barLimit).filter { $0.percentiles != nil }
        guard !shown.isEmpty else { return "<p>No durations recorded (or the database is at schema version 1).</p>" }
        let values = shown.compactMap(\.percentiles).flatMap { [$0.min, $0.p50, $0.p95, $0.p99, $0.max] }.filter(\.isFinite)
        let positive = values.filter { $0 > 0 }
        let axis = DurationAxis(minimum: positive.min() ?? 0, maximum: values.max() ?? 1)
        let labelWidth = 280.0, plotWidth = 600.0, rowHeight = 24.0, top = 30.0
        func x(_ value: Double) -> Double { labelWidth + plotWidth * axis.fraction(value) }
        let plotBottom = top + rowHeight * Double(shown.count)
        let height = plotBottom + 30
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(labelWidth + plotWidth + 120))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"Duration percentiles per skill\" data-scale=\"\(axis.scale.rawValue)\">\n"
        let scaleNote = axis.scale == .log ? "logarithmic axis" : "axis from 0"
        svg += "<text x=\"\(labelWidth)\" y=\"14\">min ── p50 ● p95 ▲ p99 ◆ ── max (seconds; \(scaleNote))</text>\n"
        for tick in axis.ticks {
            let tx = Self.format(x(tick))
            svg += "<line x1=\"\(tx)\" y1=\"\(top)\" x2=\"\(tx)\" y2=\"\(Self.format(plotBottom))\" stroke=\"#e4e4e4\"/>"
            svg += "<text class=\"tick\" x=\"\(tx)\" y=\"\(Self.format(plotBottom + 16))\" text-anchor=\"middle\">\(Self.escape(Self.tickLabel(tick)))</text>\n"
        }
        for (index, row) in shown.enumerated() {
            guard let p = row.percentiles else { continue }
            let y = top + rowHeight * Double(index) + 10
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 4)\" text-anchor=\"end\">\(Self.escape(Self.truncate(row.skillName, 40)))</text>"
            svg += "<line x1=\"\(Self.format(x(p.min)))\" y1=\"\(y)\" x2=\"\(Self.format(x(p.max)))\" y2=\"\(y)\" stroke=\"#888\" stroke-width=\"2\"/>"
            svg += "<circle class=\"p50\" cx=\"\(Self.format(x(p.p50)))\" cy=\"\(y)\" r=\"5\" fill=\"#1f77b4\"/>"
            svg += "<path d=\"M\(Self.format(x(p.p95))) \(y - 6) l5 10 h-10 z\" fill=\"#ff7f0e\"/>"
            svg += "<path d=\"M\(Self.format(x(p.p99))) \(y - 6) l5 6 l-5 6 l-5 -6 z\" fill=\"#d62728\"/>"
            svg += "<text x=\"\(labelWidth + plotWidth + 6)\" y=\"\(y + 4)\">\(Self.escape(Self.seconds(p.p50)))</text>\n"
        }
        return svg + "</svg>"
    }

    /// A tick value in seconds, short (`0.001s`, `1s`, `1000s`, `2.5s`).
    static func tickLabel(_ value: Double) -> String {
        String(format: "%gs", value)
    }

    static func seconds(_ value: Double) -> String { String(format: "%.3fs", value) }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    static func truncate(_ text: String, _ length: Int) -> String {
        text.count > length ? String(text.prefix(length - 1)) + "…" : text
    }

    /// HTML-escapes text; control characters become Unicode control pictures.
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if let entity = entities[scalar] {
                result += entity
            } else {
                result.unicodeScalars.append(visible(scalar))
            }
        }
        return result
    }

    /// The five characters HTML text and attribute values must not carry as they are.
    private static let entities: [Unicode.Scalar: String] = [
        "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;",
    ]

    /// C0 controls and DEL as their Unicode control pictures (U+2400…U+241F, U+2421), so a
    /// stored control character shows instead of disappearing or breaking the layout.
    private static func visible(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0..<0x20: Unicode.Scalar(0x2400 + scalar.value) ?? scalar
        case 0x7F: "\u{2421}"
        default: scalar
        }
    }
}
