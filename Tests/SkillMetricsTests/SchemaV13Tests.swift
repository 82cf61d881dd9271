import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// Schema V13 (issue 9, the batched-append bar): `idx_skill_invocation_skill_time` is dropped.
/// Nothing else changes: the events, the projections and the triggers are V12's, the report
/// counts its days in one scan, and undo builds the index again, giving V12's schema.
@Suite("Schema V13")
struct SchemaV13Tests {
    @Test("a V12 log migrates to V13 without the skill_time index and nothing else changed; triggers and fold then agree with V12; undo gives V12's schema",
          arguments: ["real", "adversarial"])
    func migrateFromV12AndUndo(shape: String) throws {
        let directory = TemporaryDirectory()
        let events = Self.spreadOverDays(try SchemaV5Tests.events(shape, 2_400, seed: 71))
        let store = try SchemaV5Tests.unmigratedStore(directory)
        try store.migrate(upTo: 12)
        let reference = try SchemaV5Tests.unmigratedStore(directory, "v12.db")
        try reference.migrate(upTo: 12)
        for target in [store, reference] { try SchemaV7Tests.append(target, events[..<1_000], batch: 50) }
        let v12Rows = try SchemaV11Tests.projections(store)
        let v12Events = try SchemaV9Tests.events(store)
        let report = try Self.dailyCounts(store)
        #expect(report.count > 20)

        #expect(try store.migrate(upTo: 13) == [13])
        #expect(try Self.indexes(store) == [
            "idx_skill_invocation_durations", "idx_skill_invocation_id", "idx_skill_invocation_invoked_at",
        ])
        #expect(try SchemaV9Tests.events(store) == v12Events)
        #expect(try SchemaV11Tests.projections(store) == v12Rows)
        #expect(try Self.dailyCounts(store) == report)
        try store.read { db in try SchemaConformance(runner: store.migrationRunner).check(db, path: store.path) }

        // Triggers, the Swift fold (a batch of 200) and triggers again, on both.
        for target in [store, reference] { try SchemaV7Tests.feed(target, events, from: 1_000) }
        #expect(try SchemaV11Tests.projections(store) == SchemaV11Tests.projections(reference))
        #expect(try SchemaV10Tests.totals(store) == SchemaV10Tests.totals(reference))
        #expect(try Self.dailyCounts(store) == Self.dailyCounts(reference))
        let verified = try store.verify()
        #expect(verified.events == 2_400)
        #expect(verified.differences.isEmpty, "\(verified.differences.prefix(3))")

        #expect(try store.undoMigrations(to: 12) == [13])
        let fresh = try SchemaV5Tests.unmigratedStore(directory, "fresh.db")
        try fresh.migrate(upTo: 12)
        #expect(try SchemaV5Tests.schema(store) == SchemaV5Tests.schema(fresh))
        #expect(try Self.indexes(store).contains("idx_skill_invocation_skill_time"))
        #expect(try store.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") } == ["ok"])
        #expect(try SchemaV11Tests.projections(store) == SchemaV11Tests.projections(reference))
        #expect(try store.verify().differences.isEmpty)
    }

    @Test("the report's days counted in one scan are SQL's GROUP BY over the finished events of the chart's skills",
          arguments: ["real", "adversarial"])
    func reportDaysAreTheGroupBy(shape: String) throws {
        let directory = TemporaryDirectory()
        let store = try SkillMetricsStore(path: directory.file("report.db"))
        var events = Self.spreadOverDays(try SchemaV5Tests.events(shape, 3_000, seed: 73))
        for index in stride(from: 5, to: events.count, by: 97) {
            events[index].finished = false
            events[index].completed = false
            events[index].durationSeconds = nil
        }
        try store.append(events)
        let counted = try Self.dailyCounts(store)
        let expected = try store.read { db in
            let rows = try SkillMetricsQueries.allMetricsInFirstSeenOrder(db)
            let shown = try SkillMetricsSummary(rowsInFirstSeenOrder: rows).skillsByUsage.prefix(HTMLReport.seriesLimit).map(\.name)
            return try shown.flatMap { skill in
                try Row.fetchAll(db, sql: """
                    SELECT substr(invoked_at, 1, 10) AS day, count(*) AS n FROM skill_invocation
                    WHERE skill_name = ? AND finished = 1 GROUP BY day ORDER BY day
                    """, arguments: [skill]).map { row in
                    HTMLReport.DailyCount(skillName: skill, day: row["day"], invocations: row["n"])
                }
            }
        }
        #expect(counted.count > 100)
        #expect(counted.contains { $0.invocations > 1 })
        #expect(counted == expected)
        #expect(Set(counted.map(\.skillName)).count == min(HTMLReport.seriesLimit, Set(events.map(\.skillName)).count))
    }

    /// The events one every 37 minutes from 2026-01-01 (the generator's fall within a day), so
    /// that each chart skill has many days and most days several invocations.
    static func spreadOverDays(_ events: [SkillInvocation]) -> [SkillInvocation] {
        let start = Timestamp.parseCanonical("2026-01-01T00:00:00.000000Z")?.microsecondsSinceEpoch ?? 0
        return events.enumerated().map { index, event in
            var event = event
            event.invokedAt = Timestamp(microsecondsSinceEpoch: start + Int64(index) * 37 * 60_000_000 + Int64(index % 1_000))
            return event
        }
    }

    static func indexes(_ store: SkillMetricsStore) throws -> [String] {
        try store.read { db in
            try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'skill_invocation' ORDER BY name
                """)
        }
    }

    static func dailyCounts(_ store: SkillMetricsStore) throws -> [HTMLReport.DailyCount] {
        try store.read { db in
            try HTMLReportRenderer.dailyCounts(db, rows: try SkillMetricsQueries.allMetricsInFirstSeenOrder(db))
        }
    }
}
