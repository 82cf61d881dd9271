import SkillMetrics

/// The legacy-import workload's hook: imports a crackerjack-dialect file into an empty store.
///
/// LEAD: the importer (`DataMigrator`, issue 3) lives on another branch. After merging it,
/// replace the body below with the import of `jsonPath` into a store at `databasePath`
/// (time zone UTC, which is what ``LegacyJSONGenerator`` means by its naive timestamps),
/// e.g. `try DataMigrator(store: SkillMetricsStore(path: databasePath)).importJSON(at: jsonPath, timeZone: .utc)`,
/// and return true. The benchmark times this call (the input file is written beforehand) and
/// checks the bar "import of 100k invocations < 2 s". Returning false prints "not wired".
enum LegacyImportHook {
    static func importLegacy(jsonPath: String, databasePath: String) throws -> Bool {
        _ = (jsonPath, databasePath)
        return false
    }
}
