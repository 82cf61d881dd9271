import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// `verify` compares stored texts by every byte: a projection text with a NUL byte and more
/// after it is a difference (GRDB reads text up to its first NUL, so the fallback comparison
/// by key once took such a text for the one before the NUL and found nothing).
@Suite("Verify: stored texts compared by every byte")
struct VerifyStoredTextTests {
    static let tamperings: [(label: String, sql: String, table: String, field: String)] = [
        ("a session row's first time", "UPDATE session_skill SET first_invoked_at = first_invoked_at || CAST(X'0078' AS TEXT) WHERE rowid = 2",
         "session_skill", "first_invoked_at"),
        ("a session id (the key)", "UPDATE session_skill SET session_id = session_id || CAST(X'0078' AS TEXT) WHERE rowid = 3",
         "session_skill", "(row)"),
        ("a path row's path", "UPDATE skill_workflow_path SET workflow_path = workflow_path || CAST(X'00' AS TEXT) WHERE id = (SELECT min(id) FROM skill_workflow_path)",
         // What the view shows names it (the path row's own difference is not repeated).
         "skill_metrics", "workflow_paths"),
    ]

    @Test("a NUL byte and more appended to a stored text is named", arguments: tamperings.map(\.label))
    func nulSuffixIsADifference(label: String) throws {
        let tampering = try #require(Self.tamperings.first { $0.label == label })
        let database = try TestDatabase()
        try database.store.append(Array(RebuildSessionMemoryTests.events(longPair: false).prefix(200)))
        #expect(try database.store.verify().isConsistent)
        try database.store.write { db in
            try db.execute(sql: tampering.sql)
            #expect(db.changesCount == 1)
        }
        let result = try database.store.verify()
        #expect(!result.isConsistent)
        #expect(result.differences.contains { $0.table == tampering.table && $0.field == tampering.field },
                "\(result.differences)")
        try database.store.rebuild()
        #expect(try database.store.verify().isConsistent)
    }
}
