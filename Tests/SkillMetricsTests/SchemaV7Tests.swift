import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// Schema V7 (issue 9): the percentile trigger with a cached successor per cursor. Its
/// projections are bit for bit V6's, on a log the V6 triggers began, through the cached path,
/// through the repositioning after a Swift fold left the cache behind, and after a rebuild;
/// `migrate undo --to 6` gives back exactly V6's schema.
@Suite("Schema V7")
struct SchemaV7Tests {
    /// Appends `events` in batches of `size` (below 64 events a batch goes through the triggers,
    /// from 64 on through the incremental Swift fold).
    static func append(_ store: SkillMetricsStore, _ events: ArraySlice<SkillInvocation>, batch size: Int) throws {
        var start = events.startIndex
        while start < events.endIndex {
            let end = min(start + size, events.endIndex)
            try store.append(Array(events[start..<end]))
            start = end
        }
    }

    /// The same events into a V6 and a V7 store by the same paths; every projection row must agree.
    static func feed(_ store: SkillMetricsStore, _ events: [SkillInvocation], from: Int) throws {
        try append(store, events[from..<(from + 900)], batch: 50)            // triggers
        try append(store, events[(from + 900)..<(from + 1_100)], batch: 200) // Swift fold
        try append(store, events[(from + 1_100)..<(from + 1_400)], batch: 30) // triggers again
    }

    @Test("a trigger-made V6 log migrates to V7; V7's triggers give V6's rows bit for bit; undo gives V6's schema",
          arguments: ["real", "adversarial"])
    func migrateFromV6AndUndo(shape: String) throws {
        let directory = TemporaryDirectory()
        let events = try SchemaV5Tests.events(shape, 2_400, seed: 17)
        let store = try SchemaV5Tests.unmigratedStore(directory)
        try store.migrate(upTo: 6)
        let reference = try SchemaV5Tests.unmigratedStore(directory, "v6.db")
        try reference.migrate(upTo: 6)
        for target in [store, reference] { try Self.append(target, events[..<1_000], batch: 50) }
        let v6Rows = try SchemaV5Tests.projections(store)

        #expect(try store.migrate(upTo: 7) == [7])
        #expect(try SchemaV5Tests.projections(store) == v6Rows)
        for target in [store, reference] { try Self.feed(target, events, from: 1_000) }
        #expect(try SchemaV5Tests.projections(store) == SchemaV5Tests.projections(reference))
        let verified = try store.verify()
        #expect(verified.events == 2_400)
        #expect(verified.differences.isEmpty, "\(verified.differences.prefix(3))")

        #expect(try store.undoMigrations(to: 6) == [7])
        let fresh = try SchemaV5Tests.unmigratedStore(directory, "fresh.db")
        try fresh.migrate(upTo: 6)
        #expect(try SchemaV5Tests.schema(store) == SchemaV5Tests.schema(fresh))
        let undone = try store.verify()
        #expect(undone.differences.isEmpty, "\(undone.differences.prefix(3))")
    }

    @Test("after a rebuild (the cache columns NULL) the triggers reposition and stay exact", arguments: ["real", "adversarial"])
    func triggersAfterRebuild(shape: String) throws {
        let directory = TemporaryDirectory()
        let events = try SchemaV5Tests.events(shape, 1_200, seed: 23)
        let store = try SchemaV5Tests.unmigratedStore(directory)
        #expect(try store.migrate(upTo: 7).last == 7)
        try Self.append(store, events[..<600], batch: 40)
        let cached = try store.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_totals WHERE percentile_cache_count = duration_count") ?? 0
        }
        #expect(cached > 0)
        _ = try store.rebuild()
        let cleared = try store.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_totals WHERE percentile_cache_count IS NOT NULL") ?? -1
        }
        #expect(cleared == 0)
        try Self.append(store, events[600...], batch: 40)
        let verified = try store.verify()
        #expect(verified.differences.isEmpty, "\(verified.differences.prefix(3))")
    }
}
