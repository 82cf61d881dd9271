import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// The incremental fold reads each touched skill's stored totals: values an altered file
/// holds there are errors naming the skill and column, never a trap.
@Suite("Incremental fold of altered totals")
struct IncrementalFoldInputTests {
    @Test("stored counts the batch cannot add to are an error naming skill and column, not a trap",
          arguments: [
            ("total_invocations", "9223372036854775807", "does not fit in a 64-bit count"),
            ("completed_invocations", "9223372036854775807", "does not fit in a 64-bit count"),
            ("duration_count", "-3", "expected a count"),
            ("abandoned_invocations", "'many'", "found text"),
            ("first_invoked", "first_invoked || char(0) || 'x'", "expected UTF-8 text without a NUL byte"),
            ("last_invoked", "CAST(X'32303236FF' AS TEXT)", "expected UTF-8 text without a NUL byte"),
          ])
    func alteredCountsAreRefused(column: String, value: String, reason: String) throws {
        let database = try TestDatabase()
        let store = database.store
        try store.append(WriterBulkModeTests.events(0, 100))
        try store.write { db in
            try db.execute(sql: "UPDATE skill_totals SET \(column) = \(value) WHERE skill_name = 'skill-3'")
        }
        let before = try BulkProjectionLoadTests.storedProjections(store)
        #expect {
            try store.append(WriterBulkModeTests.events(100, 100))
        } throws: { error in
            let text = "\(error)"
            return text.contains("skill_totals, skill \"skill-3\", column \(column)") && text.contains(reason)
        }
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") } == 100)
        #expect(try BulkProjectionLoadTests.storedProjections(store) == before)
    }
}
