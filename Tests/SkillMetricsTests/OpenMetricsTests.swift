import Foundation
import Testing
@testable import SkillMetrics

@Suite struct OpenMetricsTests {
    static let parserScript = """
        import json, sys
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
        families = list(text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()))
        out = {"families": [f.name + ":" + f.type for f in families], "invocations": {}, "p95": {}}
        for f in families:
            for s in f.samples:
                if s.name == "skill_invocations_total":
                    out["invocations"][s.labels["skill"]] = s.value
                if s.name == "skill_duration_percentile_seconds" and s.labels["percentile"] == "95":
                    out["p95"][s.labels["skill"]] = repr(s.value)
        print(json.dumps(out))
        """

    /// Parses the export with prometheus_client's OpenMetrics parser (`pip install prometheus_client`).
    @Test(.enabled(if: PythonCheck.hasModule("prometheus_client"),
                   "python3 module prometheus_client is missing (pip install prometheus_client); skipping the parser check"),
          arguments: ["basic", "hostile", "large"])
    func exportPassesTheReferenceParser(fixture: String) throws {
        let database = try TestDatabase()
        try database.store.append(try LegacyFixtureEvents.load(fixture))
        let text = try OpenMetricsExporter(store: database.store).render()
        #expect(text.hasSuffix("# EOF\n"))
        let result = try PythonCheck.run(Self.parserScript, input: text)
        #expect(result.status == 0, "parser rejected the output: \(result.stderr)")
        guard result.status == 0, case .object(let parsed) = try JSONParser().parse(result.stdout) else { return }
        guard case .object(let invocations)? = parsed["invocations"], case .object(let p95)? = parsed["p95"] else {
            Issue.record("unexpected parser output \(result.stdout)")
            return
        }
        let rows = try SkillMetricsQueries(store: database.store).allMetricsInFirstSeenOrder()
        #expect(invocations.members.count == rows.count)
        for row in rows {
            guard case .number(let value)? = invocations[row.skillName] else {
                Issue.record("skill \(JSONWriter.quoted(row.skillName)) missing from the parsed output")
                continue
            }
            #expect(value.doubleValue == Double(row.totalInvocations))
            if let percentiles = row.percentiles, case .string(let repr)? = p95[row.skillName] {
                #expect(Double(repr) == percentiles.p95)
            }
        }
    }

    @Test func labelValuesAreEscaped() {
        #expect(OpenMetricsExporter.escapeLabel("a\\b\"c\nd\te") == "a\\\\b\\\"c\\nd\te")
    }
}
