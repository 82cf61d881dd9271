import Foundation
import GRDB
import Testing
@testable import SkillMetrics

@Suite struct PercentileTests {
    /// numpy's percentiles (method="linear") of each list: {name: [min, max, p50, p95, p99]} as repr.
    static func numpyPercentiles(_ samples: [String: [Double]]) throws -> [String: [Double]] {
        let input = JSONWriter(style: .compact).string(.object(JSONObject(samples.map { name, values in
            (name, JSONValue.array(values.map { .string(PythonFloatFormatter.repr($0)) }))
        })))
        let script = """
            import json, sys, numpy as np
            data = json.load(open(sys.argv[1]))
            out = {}
            for name, values in data.items():
                v = np.array([float(x) for x in values], dtype=np.float64)
                out[name] = [repr(float(x)) for x in (v.min(), v.max(),
                    np.percentile(v, 50, method="linear"), np.percentile(v, 95, method="linear"),
                    np.percentile(v, 99, method="linear"))]
            print(json.dumps(out))
            """
        let result = try PythonCheck.run(script, input: input)
        guard result.status == 0, case .object(let object) = try JSONParser().parse(result.stdout) else {
            throw LegacyFixtureEvents.Failure(description: "python3/numpy failed: \(result.stderr)")
        }
        var parsed: [String: [Double]] = [:]
        for member in object.members {
            guard case .array(let items) = member.value else { continue }
            parsed[member.key] = items.compactMap { item in
                if case .string(let text) = item { return Double(text) }
                return nil
            }
        }
        return parsed
    }

    static func samples(_ generator: inout SeededRandom) -> [String: [Double]] {
        var samples: [String: [Double]] = [
            "one": [4.25],
            "two": [1.0, 3.0],
            "ties": [2.0, 2.0, 2.0, 5.0, 5.0],
            "zeros": [0.0, 0.0, 1e-6, 0.1, 0.2, 0.30000000000000004],
        ]
        for size in [3, 7, 20, 101, 999] {
            samples["random-\(size)"] = (0..<size).map { _ in
                Double.random(in: 0..<1, using: &generator) * pow(10, Double(Int.random(in: -3...4, using: &generator)))
            }
        }
        return samples
    }

    static func events(_ samples: [String: [Double]], _ generator: inout SeededRandom) -> [SkillInvocation] {
        var events: [SkillInvocation] = []
        var counter = 0
        for (name, values) in samples.sorted(by: { $0.key < $1.key }) {
            for value in values {
                counter += 1
                events.append(SkillInvocation(
                    id: "e\(counter)", skillName: name, invokedAt: Timestamp(microsecondsSinceEpoch: Int64(counter) * 1_000_000),
                    completed: true, durationSeconds: value))
                // Abandoned and duration-less events do not count.
                if counter % 5 == 0 {
                    counter += 1
                    events.append(SkillInvocation(
                        id: "e\(counter)", skillName: name, invokedAt: Timestamp(microsecondsSinceEpoch: Int64(counter) * 1_000_000),
                        completed: false, durationSeconds: 1e9))
                    counter += 1
                    events.append(SkillInvocation(
                        id: "e\(counter)", skillName: name, invokedAt: Timestamp(microsecondsSinceEpoch: Int64(counter) * 1_000_000),
                        completed: true, durationSeconds: nil))
                }
            }
        }
        return events.shuffled(using: &generator)
    }

    @Test(.enabled(if: PythonCheck.hasModule("numpy"), "python3 with numpy is required"))
    func triggerProjectorAndSwiftEqualNumpy() throws {
        var generator = SeededRandom()
        let samples = Self.samples(&generator)
        let expected = try Self.numpyPercentiles(samples)
        let database = try TestDatabase()
        for event in Self.events(samples, &generator) { try database.store.append(event) }
        for (name, values) in samples {
            let numpy = try #require(expected[name])
            let swift = try #require(DurationPercentiles.compute(values))
            let stored = try #require(try SkillMetricsQueries(store: database.store).metrics(for: name)?.percentiles)
            for (label, percentiles) in [("swift", swift), ("trigger", stored)] {
                let got = [percentiles.min, percentiles.max, percentiles.p50, percentiles.p95, percentiles.p99]
                #expect(got.map(\.bitPattern) == numpy.map(\.bitPattern), "\(label) \(name): \(got) vs numpy \(numpy); \(generator)")
            }
            #expect(stored.count == values.count)
        }
        // The projector (rebuild/verify side) agrees with the trigger bit for bit.
        let result = try database.store.verify()
        #expect(result.differences.isEmpty, "\(result.differences); \(generator)")
    }

    /// The trigger moves cursors one step per append; check it against the projector after
    /// every append, with many ties, values below and above the cursors, and a rebuild (which
    /// clears the cursors) halfway.
    @Test func triggerCursorsStayExactAppendAfterAppend() throws {
        let database = try TestDatabase()
        var generator = SeededRandom()
        for index in 0..<240 {
            let value = Double(Int.random(in: 0...6, using: &generator)) / 2
            try database.store.append(SkillInvocation(
                id: "e\(index)", skillName: index % 3 == 0 ? "a" : "b",
                invokedAt: Timestamp(microsecondsSinceEpoch: Int64(index) * 1_000_000),
                completed: index % 7 != 0, durationSeconds: index % 11 == 0 ? nil : value))
            let result = try database.store.verify()
            #expect(result.differences.isEmpty, "after event \(index): \(result.differences); \(generator)")
            if !result.differences.isEmpty { return }
            if index == 120 { try database.store.rebuild() }
        }
    }

    @Test func skillWithoutDurationsHasNullPercentiles() throws {
        let database = try TestDatabase()
        try database.store.append(SkillInvocation(
            id: "a", skillName: "s", invokedAt: ts("2026-01-01T00:00:00Z"), completed: false, durationSeconds: 3))
        let row = try #require(try SkillMetricsQueries(store: database.store).metrics(for: "s"))
        #expect(row.percentiles == nil)
        #expect(row.durationCount == 0)
        #expect(try database.store.verify().isConsistent)
    }

    @Test func verifyCatchesATamperedPercentile() throws {
        let database = try TestDatabase()
        try database.store.append(try LegacyFixtureEvents.load("basic"))
        try database.store.write { db in
            try db.execute(sql: "UPDATE skill_metrics SET p95_duration_seconds = p95_duration_seconds + 1e-9 WHERE skill_name = 'crackerjack-run'")
        }
        let result = try database.store.verify()
        #expect(result.differences.map(\.field) == ["p95_duration_seconds"])
        #expect(result.differences.first?.key == ["crackerjack-run"])
        try database.store.rebuild()
        #expect(try database.store.verify().isConsistent)
    }

    static func schema(_ db: Database) throws -> [String] {
        try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
            .map { row in "\(row[0] as String) \(row[1] as String) \(row[2] as String) \((row[3] as String?) ?? "NULL")" }
    }

    @Test func undoToVersionOneGivesExactlyTheV1SchemaAndMigrateRestoresV2() throws {
        let database = try TestDatabase()
        try database.store.append(try LegacyFixtureEvents.load("overlap"))
        let before = try SkillMetricsQueries(store: database.store).allMetricsInFirstSeenOrder()
        // Undoing to V1 also undoes the later migrations (V3 legacy import, V4 audit, V5 projection rows, V6 sync state, V7 percentile cache), newest first.
        #expect(try database.store.undoMigrations(to: 1) == [14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2])

        let directory = TemporaryDirectory()
        var options = SkillMetricsStore.Options()
        options.migrate = false
        let fresh = try SkillMetricsStore(path: directory.file("v1.db"), options: options)
        try fresh.migrate(upTo: 1)
        let freshSchema = try fresh.read { try Self.schema($0) }
        let undoneSchema = try database.store.read { try Self.schema($0) }
        #expect(undoneSchema == freshSchema)
        // A V1 database verifies without the V2 columns.
        #expect(try database.store.verify().isConsistent)

        #expect(try database.store.migrate() == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
        let after = try SkillMetricsQueries(store: database.store).allMetricsInFirstSeenOrder()
        #expect(after == before)
        #expect(after.contains { $0.percentiles != nil })
        #expect(try database.store.verify().isConsistent)
        // Search was backfilled as well.
        #expect(try !SkillMetricsQueries(store: database.store).searchWorkflowPaths("comprehensive").isEmpty)
    }
}
