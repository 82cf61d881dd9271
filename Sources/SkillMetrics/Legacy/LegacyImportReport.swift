/// What an import of a legacy file did, and how the resulting projections compare with the
/// file's own aggregates.
public struct LegacyImportReport: Sendable, Equatable {
    public var source: String
    public var dialect: LegacyDialect
    public var timeZone: String
    /// Entries in the file's list.
    public var invocations: Int
    /// Entries whose completer never ran (kept as unfinished events).
    public var pending: Int
    /// Events appended by this import.
    public var appended: Int
    /// Events already in the log (a re-import, or an earlier version of the file).
    public var alreadyPresent: Int
    /// Groups of finished invocations whose completions share an instant (folded by list
    /// position; differences they cause are warnings).
    public var tiedCompletions: Int = 0
    /// True when nothing was written (`--dry-run`).
    public var dryRun: Bool
    /// Every field where the projections differ from the file (warnings included).
    public var differences: [LegacyFieldDifference]

    /// Differences that are not explained by tied completions.
    public var mismatches: [LegacyFieldDifference] { differences.filter { $0.severity == .mismatch } }
    public var warnings: [LegacyFieldDifference] { differences.filter { $0.severity == .warning } }

    /// The report as JSON (for `--json`).
    public var json: JSONObject {
        JSONObject([
            ("source", .string(source)),
            ("dialect", .string(dialect.rawValue)),
            ("time_zone", .string(timeZone)),
            ("dry_run", .bool(dryRun)),
            ("invocations", .int(invocations)),
            ("pending", .int(pending)),
            ("appended", .int(appended)),
            ("already_present", .int(alreadyPresent)),
            ("tied_completions", .int(tiedCompletions)),
            ("ok", .bool(mismatches.isEmpty)),
            ("warnings", .array(warnings.map { .object($0.json) })),
            ("mismatches", .array(mismatches.map { .object($0.json) })),
        ])
    }

    /// A readable report.
    public var text: String {
        var lines = [
            "\(dryRun ? "dry run (nothing written): " : "")\(source) (\(dialect.rawValue), time zone \(timeZone))",
            "invocations: \(invocations) (\(pending) pending)",
            "appended: \(appended), already present: \(alreadyPresent)",
        ]
        if tiedCompletions > 0 {
            lines.append("note: \(tiedCompletions) group(s) of completions share an instant; folded by list position")
        }
        for difference in differences { lines.append(difference.description) }
        if differences.isEmpty {
            lines.append("validation: projections match the file's aggregates exactly")
        } else {
            lines.append("validation: \(mismatches.count) mismatch(es), \(warnings.count) warning(s)")
        }
        return lines.joined(separator: "\n")
    }
}
