import Foundation
import SkillMetrics

/// Plain-text renderings of projection rows for terminals.
enum MetricsText {
    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value) }
    static func seconds(_ value: Double) -> String { String(format: "%.3fs", value) }

    /// A name safe to print on one line (control characters escaped).
    static func display(_ name: String) -> String {
        name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } ? JSONWriter.quoted(name) : name
    }

    static func describe(_ row: SkillMetricsRow) -> String {
        var lines = [
            "skill:             \(display(row.skillName))",
            "invocations:       \(row.totalInvocations) (\(row.completedInvocations) completed, \(row.abandonedInvocations) abandoned)",
            "completion rate:   \(percent(row.completionRate))",
            "total duration:    \(seconds(row.totalDurationSeconds))",
            "average duration:  \(seconds(row.avgDurationSeconds))",
            "first invoked:     \(row.firstInvoked)",
            "last invoked:      \(row.lastInvoked)",
        ]
        if let p = row.percentiles {
            lines.append("durations:         min \(seconds(p.min)), p50 \(seconds(p.p50)), p95 \(seconds(p.p95)), p99 \(seconds(p.p99)), max \(seconds(p.max)) (\(p.count) values)")
        }
        for (title, counts) in [("workflow paths", row.workflowPaths), ("common errors", row.commonErrors),
                                ("follow-up actions", row.followUpActions)] where !counts.isEmpty {
            lines.append("\(title):")
            for entry in counts.entries {
                lines.append("  \(display(entry.key)): \(entry.count)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func table(_ rows: [SkillMetricsRow]) -> String {
        let names = rows.map { display($0.skillName) }
        let width = min(max(names.map(\.count).max() ?? 5, 5), 60)
        // Padded by characters, as `width` counts them (Foundation's `padding(toLength:)` counts
        // UTF-16 units: a decomposed "café" or an emoji came out a column short).
        func padded(_ text: String) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        var lines = [padded("skill") + "      total  completed  abandoned  rate     avg"]
        for (row, name) in zip(rows, names) {
            let shown = name.count > width ? String(name.prefix(width - 1)) + "…" : padded(name)
            // Counts as Swift prints them: `%d` takes a 32-bit int and wrapped counts from 2^31 on.
            func count(_ value: Int) -> String {
                let text = String(value)
                return String(repeating: " ", count: max(0, 10 - text.count)) + text
            }
            lines.append(shown + " \(count(row.totalInvocations)) \(count(row.completedInvocations)) \(count(row.abandonedInvocations))"
                         + String(format: "  %6.1f%%  %.3fs", row.completionRate, row.avgDurationSeconds))
        }
        return lines.joined(separator: "\n")
    }
}
