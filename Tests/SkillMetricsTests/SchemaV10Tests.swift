import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// Schema V10 (issue 9, the foreign-client bar): the percentile steps in one UPDATE per event
/// (the seek trigger gone, the reposition trigger interpolating at its end) and no stored FTS5
/// search index (`search` builds it in memory). Every projection row and every percentile cache
/// column is bit for bit V9's — except `percentile_seek`, which only V9's seek step wrote —
/// through the triggers, plain INSERTs, a rebuild and a migration in the middle of a log;
/// `search` answers exactly as V9's stored index did; `migrate undo --to 9` gives back exactly
/// V9's schema with its index filled.
@Suite("Schema V10")
struct SchemaV10Tests {
    /// `skill_totals` with every column but `percentile_seek`, doubles by bit pattern.
    static func totals(_ store: SkillMetricsStore) throws -> [String] {
        try store.read { db in
            let columns = try db.columns(in: "skill_totals").map(\.name).filter { $0 != "percentile_seek" }
            #expect(columns.count > 30)
            let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
            return try SchemaV8Tests.rendered(db, "SELECT \(list) FROM skill_totals ORDER BY skill_name")
        }
    }

    /// The projection rows without the stored search index (which only one side has).
    static func projections(_ store: SkillMetricsStore) throws -> [String] {
        let rows = try SchemaV5Tests.projections(store)
        let lastSection = try #require(rows.dropLast().lastIndex(of: "--"))
        return Array(rows[...lastSection])
    }

    @Test("a trigger-made V9 log migrates to V10; V10's triggers give V9's rows and caches bit for bit; undo gives V9's schema",
          arguments: ["real", "adversarial"])
    func migrateFromV9AndUndo(shape: String) throws {
        let directory = TemporaryDirectory()
        let events = try SchemaV5Tests.events(shape, 2_400, seed: 43)
        let store = try SchemaV5Tests.unmigratedStore(directory)
        try store.migrate(upTo: 9)
        let reference = try SchemaV5Tests.unmigratedStore(directory, "v9.db")
        try reference.migrate(upTo: 9)
        for target in [store, reference] { try SchemaV7Tests.append(target, events[..<1_000], batch: 50) }
        let v9Rows = try Self.projections(store)
        let v9Totals = try Self.totals(store)
        #expect(try store.read { db in try db.tableExists("skill_workflow_path_fts") })

        #expect(try store.migrate(upTo: 10) == [10])
        #expect(try Self.projections(store) == v9Rows)
        #expect(try Self.totals(store) == v9Totals)
        #expect(try store.read { db in try db.tableExists("skill_workflow_path_fts") } == false)
        try store.read { db in try SchemaConformance(runner: store.migrationRunner).check(db, path: store.path) }

        for target in [store, reference] { try SchemaV7Tests.feed(target, events, from: 1_000) }
        #expect(try Self.projections(store) == Self.projections(reference))
        #expect(try Self.totals(store) == Self.totals(reference))
        let verified = try store.verify()
        #expect(verified.events == 2_400)
        #expect(verified.differences.isEmpty, "\(verified.differences.prefix(3))")

        #expect(try store.undoMigrations(to: 9) == [10])
        let fresh = try SchemaV5Tests.unmigratedStore(directory, "fresh.db")
        try fresh.migrate(upTo: 9)
        #expect(try SchemaV5Tests.schema(store) == SchemaV5Tests.schema(fresh))
        // The index is filled again from the rows, exactly as V9's trigger kept it.
        #expect(try SchemaV5Tests.projections(store) == SchemaV5Tests.projections(reference))
        try store.write { db in
            try db.execute(sql: "INSERT INTO skill_workflow_path_fts (skill_workflow_path_fts, rank) VALUES ('integrity-check', 1)")
        }
        let undone = try store.verify()
        #expect(undone.differences.isEmpty, "\(undone.differences.prefix(3))")
    }

    @Test("a foreign client's plain INSERTs and a rebuild: V10 keeps V9's rows and caches", arguments: ["real", "adversarial"])
    func plainInsertsAndRebuild(shape: String) throws {
        let directory = TemporaryDirectory()
        let events = try SchemaV5Tests.events(shape, 1_500, seed: 47)
        let store = try SchemaV5Tests.unmigratedStore(directory)
        #expect(try store.migrate(upTo: 10).last == 10)
        let reference = try SchemaV5Tests.unmigratedStore(directory, "v9.db")
        try reference.migrate(upTo: 9)
        for target in [store, reference] {
            try SchemaV8Tests.insertPlain(target, events[..<700])
            _ = try target.rebuild()
            try SchemaV8Tests.insertPlain(target, events[700...])
        }
        #expect(try Self.projections(store) == Self.projections(reference))
        #expect(try Self.totals(store) == Self.totals(reference))
        let verified = try store.verify()
        #expect(verified.events == 1_500)
        #expect(verified.differences.isEmpty, "\(verified.differences.prefix(3))")
        let triggers = try store.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%percentile%' ORDER BY name")
        }
        #expect(triggers == ["skill_totals_percentile_reposition"])
    }

    /// Words to search for: every word of every path and skill of `events`, pieces of them,
    /// and texts that are not words at all.
    static func searchTexts(_ events: [SkillInvocation]) -> [String] {
        var texts: Set<String> = ["\"", "AND", "OR NOT", "NEAR(a b)", "*", "a*", "日本", "🚀", "ünï", "ÜNÏ", "DEPLOY", "x\u{0}y",
                                  "a", "ab", "abc a", "st ag", ""]
        for event in events {
            for text in [event.skillName, event.workflowPath ?? ""] {
                for word in text.split(whereSeparator: \.isWhitespace).map(String.init) {
                    texts.insert(word)
                    texts.insert(word.uppercased())
                    if word.count > 4 {
                        texts.insert(String(word.dropFirst().prefix(3)))
                        texts.insert(String(word.prefix(2)) + " " + String(word.suffix(3)))
                    }
                }
            }
        }
        return texts.sorted()
    }

    /// The search as V2–V9 ran it, against their stored FTS5 index.
    static func storedIndexSearch(_ store: SkillMetricsStore, _ text: String) throws -> [WorkflowPathMatch] {
        guard let search = WorkflowPathSearch(text: text, limit: 10_000) else { return [] }
        let (sql, arguments) = search.query()
        let stored = sql
            .replacingOccurrences(of: "SELECT rowid FROM p_fts WHERE p_fts MATCH ?",
                                  with: "SELECT rowid FROM skill_workflow_path_fts WHERE skill_workflow_path_fts MATCH ?")
            .replacingOccurrences(of: "FROM p\n", with: "FROM skill_workflow_path AS p\n")
        #expect(stored != sql)
        return try store.read { db in
            try Row.fetchAll(db, sql: stored, arguments: arguments).map(WorkflowPathSearch.match)
        }
    }

    @Test("search over the in-memory index answers as V9's stored index did", arguments: ["hostile", "real"])
    func searchMatchesTheStoredIndex(source: String) throws {
        let events = source == "hostile"
            ? try LegacyFixtureEvents.load("hostile") : try SchemaV5Tests.events("real", 1_200, seed: 53)
        let directory = TemporaryDirectory()
        let v9 = try SchemaV5Tests.unmigratedStore(directory, "v9.db")
        try v9.migrate(upTo: 9)
        let v10 = try SchemaV5Tests.unmigratedStore(directory, "v10.db")
        try v10.migrate()
        for store in [v9, v10] { try store.append(events) }
        var compared = 0
        var nonEmpty = 0
        for text in Self.searchTexts(events) {
            let current = try SkillMetricsQueries(store: v10).searchWorkflowPaths(text, limit: 10_000)
            #expect(current == (try Self.storedIndexSearch(v9, text)), "search \(JSONWriter.quoted(text))")
            compared += 1
            if !current.isEmpty { nonEmpty += 1 }
        }
        #expect(compared > 50)
        #expect(nonEmpty > compared / 3)
    }

    @Test("search reads the rows as they are: a changed row is found by its new text until rebuild restores it")
    func searchFollowsTheRows() throws {
        let database = try TestDatabase()
        let start = ts("2026-01-01T00:00:00Z")
        try database.store.append([
            SkillInvocation(id: "1", skillName: "release", invokedAt: start, workflowPath: "deploy production", completed: true, durationSeconds: 2),
            SkillInvocation(id: "2", skillName: "release", invokedAt: start, workflowPath: "deploy staging", completed: true, durationSeconds: 1),
            SkillInvocation(id: "3", skillName: "lint", invokedAt: start, workflowPath: "fast staging", completed: false),
        ])
        let queries = SkillMetricsQueries(store: database.store)
        func found(_ word: String) throws -> [[String]] {
            try queries.searchWorkflowPaths(word).map { [$0.skillName, $0.workflowPath ?? ""] }
        }
        #expect(try found("STAGING") == [["release", "deploy staging"], ["lint", "fast staging"]])
        try database.store.write { db in
            try db.execute(sql: "UPDATE skill_workflow_path SET workflow_path = 'ghost staging' WHERE workflow_path = 'deploy staging'")
        }
        #expect(try found("ghost") == [["release", "ghost staging"]])
        #expect(try database.store.verify().isConsistent == false)
        _ = try database.store.rebuild()
        #expect(try found("ghost").isEmpty)
        #expect(try found("staging") == [["release", "deploy staging"], ["lint", "fast staging"]])
        #expect(try database.store.verify().isConsistent)
    }
}
