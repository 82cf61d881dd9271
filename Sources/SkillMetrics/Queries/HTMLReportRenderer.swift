import GRDB
import GRDBSQLite

/// Makes the self-contained HTML report of a store (`report --html FILE`, see ``HTMLReport``).
///
/// Reads, on one snapshot, the skill rows and the invocations per UTC day of the skills the
/// chart draws (the ``HTMLReport`` series limit, most used first), counted in one scan of the
/// log: a report of a 1M-event log takes about half a second. (Schema V13 dropped the
/// `(skill_name, invoked_at)` index that used to answer them by range counts: every append
/// paid for it, only the report read it.)
///
/// The report reads the whole log by design, so it is not timed against the store's
/// slow-query threshold (which is for lookups whose cost must not grow with the log).
public struct HTMLReportRenderer: Sendable {
    /// The store to report on.
    public let store: SkillMetricsStore

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// The page.
    public func render(generatedAt: Timestamp = .now()) throws -> String {
        let (rows, daily) = try store.read { db in
            let rows = try SkillMetricsQueries.allMetricsInFirstSeenOrder(db)
            return (rows, try Self.dailyCounts(db, rows: rows))
        }
        return try HTMLReport(rows: rows, daily: daily, generatedAt: generatedAt).render()
    }

    /// Finished invocations per UTC day of the `limit` most used skills, counted in one scan of
    /// the log in seq order (the chart's skills only; the day is the first ten characters of
    /// `invoked_at`). A file whose event table lacks the `finished` column counts every event.
    static func dailyCounts(
        _ db: Database, rows: [SkillMetricsRow], limit: Int = HTMLReport.seriesLimit
    ) throws -> [HTMLReport.DailyCount] {
        let shown = try SkillMetricsSummary(rowsInFirstSeenOrder: rows).skillsByUsage.prefix(limit).map(\.name)
        guard !shown.isEmpty else { return [] }
        let hasFinishedColumn = try db.columns(in: "skill_invocation").contains { $0.name == "finished" }
        let statement = try db.makeStatement(sql: """
            SELECT skill_name, substr(invoked_at, 1, 10) FROM skill_invocation
            WHERE skill_name IN (\(Array(repeating: "?", count: shown.count).joined(separator: ", ")))\
            \(hasFinishedColumn ? " AND finished = 1" : "") AND typeof(invoked_at) = 'text'
            """)
        try statement.setArguments(StatementArguments(shown))
        let sqlite = statement.sqliteStatement
        let names = shown.map { Array($0.utf8) }
        var counts = Array(repeating: [String: Int](), count: shown.count)
        while try statement.stepRow(db) {
            guard sqlite3_column_type(sqlite, 0) == SQLITE_TEXT, let skillBytes = sqlite3_column_text(sqlite, 0),
                  let dayBytes = sqlite3_column_text(sqlite, 1) else { continue }
            let skill = UnsafeBufferPointer(start: skillBytes, count: Int(sqlite3_column_bytes(sqlite, 0)))
            guard let index = names.firstIndex(where: { $0.elementsEqual(skill) }) else { continue }
            let day = String(decoding: UnsafeBufferPointer(start: dayBytes, count: Int(sqlite3_column_bytes(sqlite, 1))), as: UTF8.self)
            counts[index][day, default: 0] += 1
        }
        return shown.indices.flatMap { index in
            counts[index].sorted { $0.key < $1.key }.map {
                HTMLReport.DailyCount(skillName: shown[index], day: $0.key, invocations: $0.value)
            }
        }
    }
}
