import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// `rebuild` keeps a projection table it finds identical to the recomputed rows and rewrites
/// the others: a table changed in any row or column must still come back exactly as a
/// rebuild of an untouched log writes it.
@Suite("Rebuild")
struct RebuildTests {
    static let events: [SkillInvocation] = (0..<60).map(event(_:))

    /// Three skills, paths with a gap, abandoned ones with errors, sessions of seven, follow-ups.
    static func event(_ index: Int) -> SkillInvocation {
        let start = ts("2026-02-01T10:00:00Z").microsecondsSinceEpoch
        let abandoned = index % 6 == 5
        let duration: Double? = abandoned ? nil : Double(index % 9) * 0.75
        return SkillInvocation(
            id: "e\(index)", skillName: "skill-\(index % 3)",
            invokedAt: Timestamp(microsecondsSinceEpoch: start + Int64(index) * 7_250_000),
            workflowPath: index % 4 == 0 ? nil : "path/\(index % 5)",
            completed: !abandoned, durationSeconds: duration,
            errorType: abandoned ? "Error\(index % 2)" : nil, sessionID: "session-\(index / 7)",
            followUpActions: index % 3 == 0 ? ["lint", "test"] : [])
    }

    /// Every row of every projection table, doubles by their bits, in each table's own order
    /// (rowid order where the table has one), with the percentile trigger's cache columns.
    static func dump(_ store: SkillMetricsStore) throws -> [String] {
        try store.read { db in
            var rows: [String] = []
            for sql in [
                "SELECT * FROM skill_totals ORDER BY skill_name",
                "SELECT * FROM skill_key_count ORDER BY skill_name, field, key",
                "SELECT rowid, * FROM session_skill ORDER BY rowid",
                "SELECT * FROM skill_workflow_path ORDER BY id",
            ] {
                for row in try Row.fetchAll(db, sql: sql) {
                    rows.append(sql.prefix(30) + ": " + row.map { column, value -> String in
                        if case .double(let double) = value.storage { return "\(column)=\(double.bitPattern)" }
                        return "\(column)=\(value)"
                    }.joined(separator: "|"))
                }
            }
            return rows
        }
    }

    static let tamperings: [(label: String, sql: String)] = [
        ("session total off by a little", "UPDATE session_skill SET total_duration_seconds = total_duration_seconds + 1e-9 WHERE rowid = 2"),
        ("session row added", "INSERT INTO session_skill VALUES ('ghost', 'skill-1', 1, '2026-02-01T10:00:00.000000Z', '2026-02-01T10:00:00.000000Z', 1.0, 1, 1)"),
        ("last session row removed", "DELETE FROM session_skill WHERE rowid = (SELECT max(rowid) FROM session_skill)"),
        ("count row's first_index", "UPDATE skill_key_count SET first_index = 5 WHERE key = 'test'"),
        ("count row added", "INSERT INTO skill_key_count VALUES ('skill-1', 'common_errors', 'Ghost', 1, 999, 0)"),
        ("search row's count", "UPDATE skill_workflow_path SET invocation_count = invocation_count + 1 WHERE id = (SELECT min(id) FROM skill_workflow_path)"),
        ("percentile cache", "UPDATE skill_totals SET p50_cursor_duration = 123.5"),
        ("nothing", "SELECT 1"),
    ]

    @Test("a changed table is rewritten, the others kept: the result equals a rebuild of an untouched log",
          arguments: tamperings.map(\.label))
    func repairsWhatDiffers(label: String) throws {
        let sql = try #require(Self.tamperings.first { $0.label == label }?.sql)
        let reference = try TestDatabase()
        try reference.store.append(Self.events)
        try reference.store.rebuild()
        let expected = try Self.dump(reference.store)
        #expect(expected.contains { $0.hasPrefix("SELECT rowid, * FROM session_s") })

        let database = try TestDatabase()
        try database.store.append(Self.events)
        try database.store.rebuild()
        #expect(try Self.dump(database.store) == expected)
        try database.store.write { db in try db.execute(sql: sql) }
        if label != "nothing" {
            #expect(try Self.dump(database.store) != expected, "the tampering changed something")
        }
        try database.store.rebuild()
        #expect(try Self.dump(database.store) == expected)
        #expect(try database.store.verify().isConsistent)
    }
}
