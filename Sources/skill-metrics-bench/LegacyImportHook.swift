import SkillMetrics

/// The legacy-import workload: imports a crackerjack-dialect file (naive times meant as UTC,
/// written by ``LegacyJSONGenerator``) into an empty, migrated store with `DataMigrator`, and
/// checks that every invocation was appended and the projections match the file's `skills`.
enum LegacyImportHook {
    static func importLegacy(jsonPath: String, databasePath: String) throws {
        let store = try SkillMetricsStore(path: databasePath)
        let options = DataMigrator.Options(timeZone: try LegacyTimeZone(identifier: "UTC"))
        let report = try DataMigrator(store: store).importFile(path: jsonPath, options: options)
        guard report.appended == report.invocations, report.mismatches.isEmpty
        else {
            throw BenchError("import: \(report.appended) of \(report.invocations) appended, \(report.mismatches.count) mismatches: \(report.mismatches.prefix(3))")
        }
    }
}
