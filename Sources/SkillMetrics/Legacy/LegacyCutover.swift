import Foundation

/// Phase 4 and the rollback path of the migration: make the database the source of truth, or
/// hand the data back to the legacy file.
public struct LegacyCutover: Sendable {
    public let store: SkillMetricsStore

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// What a cutover found and did.
    public struct CutoverResult: Sendable {
        public var importReport: LegacyImportReport
        public var verify: SkillMetricsStore.VerifyResult
        /// The backup of the legacy file; nil when the cutover stopped on a problem.
        public var backupPath: String?
        public var succeeded: Bool { backupPath != nil }
    }

    /// Final incremental import of `legacyPath`, then `verify`, then the dual-read diff (the
    /// import's validation); only when all agree, a timestamped copy of the file is made
    /// (`FILE.bak-YYYYMMDDTHHMMSSZ`, in `backupDirectory` or beside the file) and the cutover
    /// is recorded. From then on the database is the source of truth.
    ///
    /// A problem found before the import changes nothing: the backup's name is checked first,
    /// `verify` runs on the log as it is, and the import runs once as a dry run (rolled back)
    /// so that a diff against the file stops before any event is appended. Only a problem that
    /// appears after the import committed (`verify` failing on the events it appended) leaves
    /// them in the log, as `import-json` would.
    public func cutover(legacyPath: String, options: DataMigrator.Options, backupDirectory: String? = nil) throws -> CutoverResult {
        let name = (legacyPath as NSString).lastPathComponent + ".bak-" + Self.stamp()
        let directory = backupDirectory ?? (legacyPath as NSString).deletingLastPathComponent
        let backup = directory.isEmpty ? name : (directory as NSString).appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: backup) {
            throw SkillMetricsError.fileAccess(path: backup, reason: "a backup with this name already exists")
        }
        let migrator = DataMigrator(store: store)
        var importOptions = options
        importOptions.dryRun = true
        let trial = try migrator.importFile(path: legacyPath, options: importOptions)
        let before = try store.verify()
        guard before.isConsistent, trial.mismatches.isEmpty else {
            return CutoverResult(importReport: trial, verify: before, backupPath: nil)
        }
        importOptions.dryRun = false
        let report = try migrator.importFile(path: legacyPath, options: importOptions)
        let verify = try store.verify()
        guard verify.isConsistent, report.mismatches.isEmpty else {
            return CutoverResult(importReport: report, verify: verify, backupPath: nil)
        }
        guard let data = FileManager.default.contents(atPath: legacyPath) else {
            throw SkillMetricsError.fileAccess(path: legacyPath, reason: "cannot read the file for the backup")
        }
        try AtomicFileWriter.write(Array(data), to: backup)
        try store.recordLegacyCutover(kind: "cutover", legacyPath: legacyPath, backupPath: backup)
        return CutoverResult(importReport: report, verify: verify, backupPath: backup)
    }

    /// Writes everything in the log (events appended after cutover included) back to the legacy
    /// file, atomically; the database is kept. An existing file is first copied to
    /// `FILE.pre-rollback-YYYYMMDDTHHMMSSZ` beside it (`…Z-2`, `…Z-3`, … when a rollback in the
    /// same second kept one already: a kept copy is never replaced).
    public func rollback(legacyPath: String, options: LegacyExporter.Options) throws -> (LegacyExporter.Result, backup: String?) {
        var backup: String?
        if let data = FileManager.default.contents(atPath: legacyPath) {
            let stem = legacyPath + ".pre-rollback-" + Self.stamp()
            var attempt = 1
            var path = stem
            while FileManager.default.fileExists(atPath: path) {
                attempt += 1
                guard attempt <= 1_000 else {
                    throw SkillMetricsError.fileAccess(path: stem, reason: "a copy with this name (and -2 to -1000) is kept already")
                }
                path = stem + "-\(attempt)"
            }
            try AtomicFileWriter.write(Array(data), to: path, overwrite: false)
            backup = path
        }
        let result = try LegacyExporter(store: store).export(to: legacyPath, options: options)
        try store.recordLegacyCutover(kind: "rollback", legacyPath: legacyPath, backupPath: backup)
        return (result, backup)
    }

    /// The current UTC time as a backup name's suffix: `YYYYMMDDTHHMMSSZ`.
    private static func stamp() -> String {
        LocalDateTime(utcMicroseconds: Timestamp.now().microsecondsSinceEpoch).text(fractionDigits: 0)
            .replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "") + "Z"
    }
}
