import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// A rebuild of a log big enough for the two-thread fold lets each `session_skill` row go from
/// memory once it equals its stored row. A stored table that differs anywhere, or a write by
/// any connection between the fold and the swap, makes it fold again holding every row: the
/// result is always the rows a rebuild of the untouched log writes.
@Suite("Rebuild: finished session rows let go")
struct RebuildSessionMemoryTests {
    /// More events than the two-thread fold's threshold, a multiple of 5.
    static let count = Int(ProjectionSet.pipelinedFoldThreshold) + 4_000

    /// The event of the long pair's two events (session `long`, skill-0) that comes late.
    static let lateLongEvent = count - 100

    /// Sessions of eight events over five skills (some events without a session); with
    /// `longPair`, session `long` uses skill-0 at event 10 and again near the end.
    static func events(longPair: Bool) -> [SkillInvocation] {
        let start = ts("2026-03-01T00:00:00Z").microsecondsSinceEpoch
        return (0..<count).map { index in
            var session: String? = index % 13 == 12 ? nil : "s-\(index / 8)"
            var skill = "skill-\(index % 5)"
            if longPair && (index == 10 || index == lateLongEvent) {
                session = "long"
                skill = "skill-0"
            }
            let completed = index % 7 != 6
            return SkillInvocation(
                id: "r\(index)", skillName: skill,
                invokedAt: Timestamp(microsecondsSinceEpoch: start + Int64(index) * 1_000_000),
                workflowPath: "p\(index % 3)", completed: completed,
                durationSeconds: completed ? Double(index % 11) * 0.125 + 0.1 : nil,
                errorType: completed ? nil : "E", sessionID: session, followUpActions: [])
        }
    }

    static func database(longPair: Bool) throws -> TestDatabase {
        let database = try TestDatabase()
        let events = events(longPair: longPair)
        for start in stride(from: 0, to: events.count, by: 2_000) {
            try database.store.append(Array(events[start..<min(start + 2_000, events.count)]))
        }
        return database
    }

    /// Every `session_skill` row with its rowid, doubles by their bits.
    static func sessionRows(_ store: SkillMetricsStore) throws -> [String] {
        try store.read { db in
            try Row.fetchAll(db, sql: "SELECT rowid, * FROM session_skill ORDER BY rowid").map { row in
                row.map { column, value -> String in
                    if case .double(let double) = value.storage { return "\(column)=\(double.bitPattern)" }
                    return "\(column)=\(value)"
                }.joined(separator: "|")
            }
        }
    }

    @Test("a consistent log: the rows held stay within one chunk's, the table is kept as it is")
    func consistentLogHoldsAHandful() throws {
        let database = try Self.database(longPair: false)
        let before = try Self.sessionRows(database.store)
        let result = try database.store.rebuild()
        #expect(result.events == Self.count)
        #expect(result.sessionSkills == before.count)
        #expect(result.sessionRowsHeldAtMost > 0)
        // The rows one chunk of events begins, and the few pairs still open across chunks.
        #expect(result.sessionRowsHeldAtMost <= ProjectionSet.foldChunkEvents + 100, "held \(result.sessionRowsHeldAtMost) of \(before.count)")
        #expect(result.sessionRowsHeldAtMost * 5 < before.count)
        #expect(try Self.sessionRows(database.store) == before)
        #expect(try database.store.verify().isConsistent)
    }

    static let tamperings: [(label: String, longPair: Bool, sql: String)] = [
        ("an early row's count", false, "UPDATE session_skill SET invocation_count = invocation_count + 1 WHERE rowid = 3"),
        ("an early row removed", false, "DELETE FROM session_skill WHERE rowid = 5"),
        ("a late row's total off by a little",
         false, "UPDATE session_skill SET total_duration_seconds = total_duration_seconds + 1e-9 WHERE rowid = (SELECT max(rowid) - 2 FROM session_skill)"),
        ("a row added at the end",
         false, "INSERT INTO session_skill VALUES ('ghost', 'skill-1', 1, '2026-03-01T00:00:00.000000Z', '2026-03-01T00:00:00.000000Z', 1.0, 1, 1)"),
        ("a row's first_seq not an integer", false, "UPDATE session_skill SET first_seq = 'x' WHERE rowid = 7"),
        // Stored as it was after the pair's first event: it matches then, and the pair's
        // later event must not be counted as a new pair.
        ("the long pair stored as after its first event",
         true, """
            UPDATE session_skill SET invocation_count = 1, last_invoked_at = first_invoked_at,
                last_seq = first_seq, total_duration_seconds = 1.35
            WHERE session_id = 'long'
            """),
    ]

    @Test("a stored table that differs is rewritten as a rebuild of the untouched log writes it",
          arguments: tamperings.map(\.label))
    func differingTableIsRepaired(label: String) throws {
        let tampering = try #require(Self.tamperings.first { $0.label == label })
        let reference = try Self.database(longPair: tampering.longPair)
        try reference.store.rebuild()
        let expected = try Self.sessionRows(reference.store)

        let database = try Self.database(longPair: tampering.longPair)
        try database.store.write { db in try db.execute(sql: tampering.sql) }
        #expect(try Self.sessionRows(database.store) != expected, "the tampering changed something")
        #expect(try !database.store.verify().isConsistent)
        let result = try database.store.rebuild()
        // Folded again holding every row.
        #expect(result.sessionRowsHeldAtMost == result.sessionSkills)
        #expect(result.sessionSkills == expected.count)
        #expect(try Self.sessionRows(database.store) == expected)
        #expect(try database.store.verify().isConsistent)
    }

    @Test("a first row that differs: no row goes, and the one fold, holding every row, is used")
    func firstRowDiffers() throws {
        let reference = try Self.database(longPair: false)
        try reference.store.rebuild()
        let expected = try Self.sessionRows(reference.store)
        let database = try Self.database(longPair: false)
        try database.store.write { db in
            try db.execute(sql: "UPDATE session_skill SET last_seq = last_seq + 1 WHERE rowid = 1")
        }
        var folds = 0
        let result = try database.store.rebuild(progress: nil, betweenFoldAndSwap: { folds += 1 })
        #expect(folds == 1)
        #expect(result.sessionRowsHeldAtMost == result.sessionSkills)
        #expect(try Self.sessionRows(database.store) == expected)
        #expect(try database.store.verify().isConsistent)
    }

    @Test("the long pair's stored row, if right, only holds rows back until its last event")
    func longPairHoldsRowsBack() throws {
        let database = try Self.database(longPair: true)
        let before = try Self.sessionRows(database.store)
        let result = try database.store.rebuild()
        // Everything after event 10 waited behind the long pair; nothing needed a second fold.
        #expect(result.sessionRowsHeldAtMost > 1_000)
        #expect(result.sessionRowsHeldAtMost < result.sessionSkills)
        #expect(try Self.sessionRows(database.store) == before)
        #expect(try database.store.verify().isConsistent)
    }

    @Test("a write between the fold and the swap, by another connection or this store's own writer, is folded in",
          arguments: ["another store", "the same store"])
    func writeBetweenFoldAndSwap(writer: String) throws {
        let database = try Self.database(longPair: false)
        let other = try SkillMetricsStore(path: database.path)
        let extra = SkillInvocation(
            id: "between", skillName: "skill-2", invokedAt: ts("2026-04-01T00:00:00Z"), workflowPath: "p1",
            completed: true, durationSeconds: 2.5, errorType: nil, sessionID: "s-0", followUpActions: ["x"])
        var ran = 0
        let result = try database.store.rebuild(progress: nil, betweenFoldAndSwap: {
            ran += 1
            // Only the first fold's: the second is not interrupted.
            guard ran == 1 else { return }
            try (writer == "another store" ? other : database.store).append(extra)
        })
        #expect(ran == 2)
        #expect(result.events == Self.count + 1)
        #expect(result.sessionRowsHeldAtMost == result.sessionSkills)
        let report = try database.store.verify()
        #expect(report.isConsistent)
        #expect(report.events == Self.count + 1)
    }
}
