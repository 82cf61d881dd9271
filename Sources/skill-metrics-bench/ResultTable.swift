import Foundation

/// The benchmark's output: one Markdown table row per workload.
struct ResultTable {
    struct Row {
        var workload: String
        var result: String
        var runs: String
        var baseline: String
        var ratio: String
        var bar: String
        /// nil: no bar, or not measured.
        var holds: Bool?
    }

    private(set) var rows: [Row] = []

    mutating func add(_ row: Row) {
        rows.append(row)
        FileHandle.standardError.write(Data("  → \(row.workload): \(row.result) | \(row.baseline) | \(row.ratio)\n".utf8))
    }

    func render() -> String {
        var lines = [
            "| workload | result (median) | runs | baseline (median, same run) | ratio | bar | holds |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in rows {
            let holds = row.holds.map { $0 ? "yes" : "**no**" } ?? "—"
            lines.append("| \(row.workload) | \(row.result) | \(row.runs) | \(row.baseline) | \(row.ratio) | \(row.bar) | \(holds) |")
        }
        return lines.joined(separator: "\n")
    }
}

/// Number formatting for the table.
enum Format {
    static func rate(_ eventsPerSecond: Double) -> String {
        if eventsPerSecond >= 1e6 { return String(format: "%.2fM events/s", eventsPerSecond / 1e6) }
        if eventsPerSecond >= 1e3 { return String(format: "%.1fk events/s", eventsPerSecond / 1e3) }
        return String(format: "%.0f events/s", eventsPerSecond)
    }

    static func duration(_ seconds: Double) -> String {
        if seconds >= 1 { return String(format: "%.3f s", seconds) }
        if seconds >= 1e-3 { return String(format: "%.2f ms", seconds * 1e3) }
        return String(format: "%.1f µs", seconds * 1e6)
    }

    static func ratio(_ value: Double) -> String {
        String(format: "%.2f×", value)
    }

    static func megabytes(_ kilobytes: Int) -> String {
        String(format: "%.1f MB", Double(kilobytes) / 1024)
    }
}
