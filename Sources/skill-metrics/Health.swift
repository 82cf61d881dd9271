import ArgumentParser
import Foundation
import SkillMetrics

/// `health`: one look at the state of the database.
struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report size, counts, schema, last event, WAL size, integrity, projections and audit state.",
        discussion: HelpText.reflow("""
            Read-only (it does not migrate). Exit status 1 when integrity_check is not ok, the \
            projections differ from the log, audit verify finds tampering, the migration \
            history has a problem, or an index, trigger or view differs from what the \
            migrations create.
            """))

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        if try PostgresDispatch.health(store.path, json: output.json) { return }
        guard FileManager.default.fileExists(atPath: store.path) else {
            throw SkillMetricsError.fileAccess(path: store.path, reason: "no such database")
        }
        let metrics = try store.openStoreForChecking()
        let report = try HealthCheck(store: metrics).run()
        if output.json {
            try report.printJSON()
        } else {
            let pending = report.latestSchemaVersion > report.schemaVersion ? " (V\(report.latestSchemaVersion) available: run migrate)" : ""
            print("""
                database:      \(report.path)
                size:          \(report.fileBytes) bytes (WAL \(report.walBytes) bytes)
                schema:        version \(report.schemaVersion)\(pending)
                events:        \(report.events)
                skills:        \(report.skills)
                last event:    \(report.lastSeq.map { "seq \($0), invoked \(report.lastInvokedAt ?? "-"), recorded \(report.lastRecordedAt ?? "-")" } ?? "none")
                integrity:     \(report.integrityOK ? "ok" : report.integrity.prefix(5).joined(separator: "; "))
                projections:   \(report.projectionError.map { "not comparable (\($0)); `skill-metrics rebuild` restores the schema objects the migrations create" } ?? (report.projectionsInStep ? "in step with the log" : "\(report.projectionDifferences) difference(s); run verify, then rebuild"))
                audit:         \(report.auditProblems.isEmpty ? (report.lastCheckpointSeq.map { "ok through checkpoint seq \($0)" } ?? "no checkpoint") : report.auditProblems.first ?? "")
                """)
            for problem in report.migrationProblems { print("migration:     \(problem)") }
            for difference in report.schemaDifferences { print("schema:        \(difference) (not what the migrations create)") }
            print(report.isHealthy ? "healthy" : "UNHEALTHY")
        }
        if !report.isHealthy { throw CheckFailed() }
    }
}
