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

    /// Alterations of `session_skill` for the comparison by key: each makes the rows differ
    /// (a missing, an extra or a changed row, keys that are not plain text, another table shape).
    static let keyedTamperings: [(label: String, sql: String)] = [
        ("counts of three rows", "UPDATE session_skill SET invocation_count = invocation_count + 1 WHERE rowid IN (2, 40, 77)"),
        ("a row removed and one added", """
            DELETE FROM session_skill WHERE rowid = 5;
            INSERT INTO session_skill VALUES ('ghost', 'skill-1', 1, '2026-03-01T00:00:00.000000Z', '2026-03-01T00:00:00.000000Z', 1.0, 1, 1)
            """),
        ("a total off by a little, a first_seq as text", """
            UPDATE session_skill SET total_duration_seconds = total_duration_seconds + 1e-9 WHERE rowid = 9;
            UPDATE session_skill SET first_seq = 'x' WHERE rowid = 11
            """),
        ("a pair moved to another session", "UPDATE session_skill SET session_id = 's-0x' WHERE rowid = 20"),
        ("a pair stored under the key of another, which is gone", """
            CREATE TEMP TABLE moved AS SELECT session_id, skill_name FROM session_skill WHERE rowid = 31;
            DELETE FROM session_skill WHERE rowid = 31;
            UPDATE session_skill SET session_id = (SELECT session_id FROM moved), skill_name = (SELECT skill_name FROM moved)
            WHERE rowid = 32;
            DROP TABLE moved
            """),
        ("an integer session id", "UPDATE session_skill SET session_id = 42 WHERE rowid = 3"),
        ("an integer skill", "UPDATE session_skill SET skill_name = 7 WHERE rowid = 4"),
        ("a key that is not UTF-8", "UPDATE session_skill SET session_id = CAST(X'C3287300' AS TEXT) WHERE rowid = 6"),
        ("a key with a NUL byte", "UPDATE session_skill SET session_id = session_id || CAST(X'0078' AS TEXT) WHERE rowid = 7"),
        ("a text with a NUL byte", "UPDATE session_skill SET first_invoked_at = first_invoked_at || CAST(X'00' AS TEXT) WHERE rowid = 8"),
        ("a column dropped", "ALTER TABLE session_skill DROP COLUMN last_seq"),
        ("a key stored twice", """
            CREATE TABLE session_skill_copy AS SELECT * FROM session_skill;
            DROP TABLE session_skill;
            CREATE TABLE session_skill AS SELECT * FROM session_skill_copy;
            INSERT INTO session_skill SELECT session_id, skill_name, invocation_count + 5, first_invoked_at,
                last_invoked_at, total_duration_seconds, first_seq, last_seq FROM session_skill WHERE rowid = 12;
            INSERT INTO session_skill SELECT * FROM session_skill WHERE rowid = 13;
            UPDATE session_skill SET last_seq = -1 WHERE rowid = 13;
            DROP TABLE session_skill_copy
            """),
        ("every row gone", "DELETE FROM session_skill"),
    ]

    @Test("session rows compared by key through the projector: the generic comparison's differences, in its order",
          arguments: keyedTamperings.map(\.label))
    func sessionRowsByKeyNameTheGenericDifferences(label: String) throws {
        let tampering = try #require(Self.keyedTamperings.first { $0.label == label })
        let database = try TestDatabase()
        try database.store.append(Array(Log.events(longPair: false).prefix(800)))
        try database.store.write { db in try db.execute(sql: tampering.sql) }
        let (generic, keyed) = try database.store.read { db in
            var projections = ProjectionSet()
            try projections.fold(db, progress: nil)
            let sessions = projections.sessionSkills
            var generic: [ProjectionDifference] = []
            try ProjectionComparison.compareByKey(
                "session_skill", keyColumns: ["session_id", "skill_name"],
                expected: Array(sessions.lazyRows.map(\.databaseValues)), db: db, into: &generic)
            var keyed: [ProjectionDifference] = []
            try ProjectionComparison.compareSessionRowsByKey(sessions, db, into: &keyed)
            return (generic, keyed)
        }
        #expect(!generic.isEmpty)
        #expect(keyed == generic)
    }

    @Test("a restore's check of a backup over the threshold: a consistent one is restored, one with a late session row altered is refused naming it")
    func restoreChecksTheSameWay() throws {
        let database = try Log.database(longPair: false)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("verify-restore-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backup = directory + "/backup.db"
        _ = try BackupService(store: database.store).backup(to: backup)
        let restored = try BackupService.restore(from: backup, to: directory + "/restored.db")
        #expect(restored.events == Log.count)

        let altered = try DatabaseQueue(path: backup)
        try altered.write { db in
            try db.execute(sql: "UPDATE session_skill SET invocation_count = invocation_count + 1 WHERE rowid = (SELECT max(rowid) - 3 FROM session_skill)")
        }
        try altered.close()
        let target = directory + "/refused.db"
        #expect {
            try BackupService.restore(from: backup, to: target)
        } throws: { error in
            "\(error)".contains("session_skill") && "\(error)".contains("invocation_count") && "\(error)".contains("nothing was restored")
        }
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}
