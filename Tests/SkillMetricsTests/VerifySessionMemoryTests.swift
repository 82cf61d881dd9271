import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// `verify` of a log big enough for the two-thread fold lets each `session_skill` row go from
/// memory once it equals its stored row, as a rebuild does; a stored table that differs after
/// rows went makes it fold again holding every row, so it names exactly the differences the
/// fold holding every row names.
@Suite("Verify: finished session rows let go")
struct VerifySessionMemoryTests {
    typealias Log = RebuildSessionMemoryTests

    /// The verification that holds every row: one fold, then every table compared.
    static func verifiedHoldingEveryRow(_ store: SkillMetricsStore) throws -> SkillMetricsStore.VerifyResult {
        try store.read { db in
            var projections = ProjectionSet()
            try projections.fold(db, progress: nil)
            return try ProjectionComparison.compare(projections, with: db)
        }
    }

    @Test("a consistent log: consistent, with the rows held within one chunk's")
    func consistentLogHoldsAHandful() throws {
        let database = try Log.database(longPair: false)
        let pairs = try database.store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM session_skill") ?? 0 }
        let result = try database.store.verify()
        #expect(result.isConsistent)
        #expect(result.events == Log.count)
        #expect(result.sessionSkills == pairs)
        #expect(result.sessionRowsHeldAtMost > 0)
        #expect(result.sessionRowsHeldAtMost <= ProjectionSet.foldChunkEvents + 100, "held \(result.sessionRowsHeldAtMost) of \(pairs)")
        #expect(result.sessionRowsHeldAtMost * 5 < pairs)
        var reference = try Self.verifiedHoldingEveryRow(database.store)
        #expect(reference.sessionRowsHeldAtMost == 0)
        reference.sessionRowsHeldAtMost = result.sessionRowsHeldAtMost
        #expect(result == reference)
    }

    @Test("the long pair holds rows back until its last event, and the log is still consistent")
    func longPairHoldsRowsBack() throws {
        let database = try Log.database(longPair: true)
        let result = try database.store.verify()
        #expect(result.isConsistent)
        #expect(result.sessionRowsHeldAtMost > 1_000)
        #expect(result.sessionRowsHeldAtMost < result.sessionSkills)
    }

    /// The rebuild suite's alterations of `session_skill`, and two of other tables (the
    /// session rows then match and go, and the other tables are compared as before).
    static let tamperings: [(label: String, longPair: Bool, sql: String)] = Log.tamperings + [
        ("a key count", false, """
            UPDATE skill_key_count SET count = count + 1
            WHERE (skill_name, field, key) = (SELECT skill_name, field, key FROM skill_key_count ORDER BY first_seq DESC LIMIT 1)
            """),
        ("a path row's total", false, "UPDATE skill_workflow_path SET total_duration_seconds = total_duration_seconds * 2 WHERE id = (SELECT min(id) FROM skill_workflow_path)"),
    ]

    @Test("an altered table: the differences the fold holding every row names", arguments: tamperings.map(\.label))
    func alteredTableNamesTheSameDifferences(label: String) throws {
        let tampering = try #require(Self.tamperings.first { $0.label == label })
        let database = try Log.database(longPair: tampering.longPair)
        try database.store.write { db in
            try db.execute(sql: tampering.sql)
            #expect(db.changesCount == 1, "the tampering changed one row")
        }
        let result = try database.store.verify()
        let reference = try Self.verifiedHoldingEveryRow(database.store)
        #expect(!result.isConsistent)
        #expect(result.differences == reference.differences)
        #expect((result.events, result.skills, result.sessionSkills) == (reference.events, reference.skills, reference.sessionSkills))
    }
}
