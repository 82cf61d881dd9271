import Foundation

/// The benchmark's output: one Markdown table, one row per measure and one column per workload
/// of the family; each row's bar is judged on its worst workload.
struct ResultTable {
    /// One measure on one workload.
    struct Cell {
        var text: String
        /// nil: no bar, or not measured.
        var holds: Bool?
    }

    struct Row {
        var measure: String
        var runs: String
        var bar: String
        var cells: [WorkloadKind: Cell] = [:]
    }

    let workloads: [WorkloadKind]
    private(set) var rows: [Row] = []

    init(workloads: [WorkloadKind]) {
        self.workloads = workloads
    }

    /// Records `cell` for `workload` in the row named `measure` (created on first use).
    mutating func add(_ measure: String, runs: String, bar: String, workload: WorkloadKind, _ cell: Cell) {
        if let index = rows.firstIndex(where: { $0.measure == measure }) {
            rows[index].cells[workload] = cell
            rows[index].runs = runs
        } else {
            rows.append(Row(measure: measure, runs: runs, bar: bar, cells: [workload: cell]))
        }
        let verdict = cell.holds.map { $0 ? "holds" : "MISSED" } ?? "—"
        FileHandle.standardError.write(Data("  → [\(workload.rawValue)] \(measure): \(cell.text) (\(bar): \(verdict))\n".utf8))
    }

    func render() -> String {
        var header = "| measure | runs |"
        var rule = "|---|---|"
        for workload in workloads {
            header += " `\(workload.rawValue)` |"
            rule += "---|"
        }
        var lines = [header + " bar | holds on the worst |", rule + "---|---|"]
        for row in rows {
            var line = "| \(row.measure) | \(row.runs) |"
            for workload in workloads {
                line += " \(row.cells[workload]?.text ?? "—") |"
            }
            line += " \(row.bar) | \(Self.verdict(row, workloads)) |"
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// "yes" when the bar holds on every workload measured, "**no**" naming where it does not.
    static func verdict(_ row: Row, _ workloads: [WorkloadKind]) -> String {
        let judged = workloads.compactMap { workload in row.cells[workload]?.holds.map { (workload, $0) } }
        guard !judged.isEmpty else { return "—" }
        let missed = judged.filter { !$0.1 }.map { "`\($0.0.rawValue)`" }
        if missed.isEmpty { return judged.count == workloads.count ? "yes" : "yes (on those measured)" }
        return "**no** (\(missed.joined(separator: ", ")))"
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

    static func megabytes(bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }
}
