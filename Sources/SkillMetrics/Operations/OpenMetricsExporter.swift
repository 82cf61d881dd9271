/// Renders the skill projection in the OpenMetrics text format (`export --format openmetrics`).
///
/// Families (label `skill`, plus `percentile` on the duration percentiles):
/// counters `skill_invocations`, `skill_completed_invocations`, `skill_abandoned_invocations`;
/// gauges `skill_total_duration_seconds` (total duration), `skill_completion_rate_percent`,
/// `skill_avg_duration_seconds`, `skill_duration_percentile_seconds` (min = 0, 50, 95, 99,
/// max = 100; skills without durations have none), and `skill_metrics_events` (events in the
/// log). Label values escape `\`, `"` and newline as the format requires; any other character
/// is written as it is. The output ends with `# EOF`.
///
/// ``write(to:)`` replaces a file atomically (``AtomicFileWriter``), so that a node-exporter
/// textfile collector reading it while it is replaced sees the old exposition or the new one.
public struct OpenMetricsExporter: Sendable {
    /// The store whose projections are exported.
    public let store: SkillMetricsStore

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// The exposition of the store's current projections (one read snapshot).
    public func render() throws -> String {
        let (rows, events) = try store.read { db in
            (try SkillMetricsQueries.allMetricsInFirstSeenOrder(db), try SkillMetricsQueries.eventCount(db))
        }
        return Self.render(rows: rows, eventCount: events)
    }

    /// Writes the exposition to `path` atomically (temporary file, fsync, rename); returns
    /// the number of bytes written. An existing file's permission bits are kept.
    @discardableResult
    public func write(to path: String) throws -> Int {
        let bytes = Array(try render().utf8)
        try AtomicFileWriter.write(bytes, to: path)
        return bytes.count
    }

    /// The exposition for `rows` and a log of `eventCount` events.
    public static func render(rows: [SkillMetricsRow], eventCount: Int) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, unit: String? = nil, _ samples: () -> Void) {
            out += "# TYPE \(name) \(type)\n"
            if let unit { out += "# UNIT \(name) \(unit)\n" }
            out += "# HELP \(name) \(help)\n"
            samples()
        }
        func sample(_ name: String, _ labels: [(String, String)], _ value: String) {
            let labelText = labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",")
            out += labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(labelText)} \(value)\n"
        }
        func counter(_ name: String, _ help: String, _ value: (SkillMetricsRow) -> Int) {
            family(name, "counter", help) {
                for row in rows { sample(name + "_total", [("skill", row.skillName)], String(value(row))) }
            }
        }
        counter("skill_invocations", "Finished invocations of the skill.") { $0.totalInvocations }
        counter("skill_completed_invocations", "Completed invocations of the skill.") { $0.completedInvocations }
        counter("skill_abandoned_invocations", "Abandoned invocations of the skill.") { $0.abandonedInvocations }
        family("skill_total_duration_seconds", "gauge",
               "Sum of the non-zero durations of completed invocations.", unit: "seconds") {
            for row in rows {
                sample("skill_total_duration_seconds", [("skill", row.skillName)], number(row.totalDurationSeconds))
            }
        }
        family("skill_completion_rate_percent", "gauge", "Completed invocations per 100 finished ones.") {
            for row in rows {
                sample("skill_completion_rate_percent", [("skill", row.skillName)], number(row.completionRate))
            }
        }
        family("skill_avg_duration_seconds", "gauge",
               "Total duration divided by completed invocations.", unit: "seconds") {
            for row in rows {
                sample("skill_avg_duration_seconds", [("skill", row.skillName)], number(row.avgDurationSeconds))
            }
        }
        family("skill_duration_percentile_seconds", "gauge",
               "Duration percentiles of completed invocations (numpy linear method).", unit: "seconds") {
            for row in rows {
                guard let p = row.percentiles else { continue }
                for (label, value) in [("0", p.min), ("50", p.p50), ("95", p.p95), ("99", p.p99), ("100", p.max)] {
                    sample("skill_duration_percentile_seconds", [("skill", row.skillName), ("percentile", label)], number(value))
                }
            }
        }
        family("skill_metrics_events", "gauge", "Events in the log, finished or not.") {
            sample("skill_metrics_events", [], String(eventCount))
        }
        out += "# EOF\n"
        return out
    }

    /// A label value with `\`, `"` and newline escaped.
    static func escapeLabel(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A float as the format reads it (Python's repr: shortest round-trip form); the format's
    /// own `+Inf`, `-Inf` and `NaN` for the others (a duration sum past the largest double).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value < 0 ? "-Inf" : "+Inf") }
        return PythonFloatFormatter.repr(value)
    }
}
