import SkillMetrics

/// The legacy-import workload's hook: imports a crackerjack-dialect file into an empty,
/// migrated store.
///
/// LEAD: the importer (`DataMigrator`, issue 3) was built on another branch. After merging,
/// replace the body below with (checked against main's API at aaff7bc):
///
///     let store = try SkillMetricsStore(path: databasePath)
///     let options = DataMigrator.Options(timeZone: try LegacyTimeZone(identifier: "UTC"))
///     let report = try DataMigrator(store: store).importFile(path: jsonPath, options: options)
///     guard report.appended == report.invocations, report.mismatches.isEmpty else {
///         throw BenchError("import: \(report.appended) of \(report.invocations) appended, \(report.mismatches.count) mismatches")
///     }
///     return true
///
/// The benchmark times this call (the input, written by ``LegacyJSONGenerator``, means its
/// naive timestamps as UTC) and checks the bar "import of 100k invocations < 2 s".
/// Returning false prints "not wired".
enum LegacyImportHook {
    static func importLegacy(jsonPath: String, databasePath: String) throws -> Bool {
        _ = (jsonPath, databasePath)
        return false
    }
}
