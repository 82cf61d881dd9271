import GRDB

extension SkillMetricsStore {
    /// A committed import of a legacy file (a row of `legacy_import`).
    public struct LegacyImportRecord: Sendable, Equatable {
        public var id: Int64
        public var sourcePath: String
        public var dialect: LegacyDialect
        public var timeZone: String
        /// The file's `last_updated` as written (crackerjack).
        public var lastUpdated: String?
        /// The last seq the imported file accounts for: max(seq) of the log when the import
        /// committed, or just before the first of the log's own events the file lacked.
        public var logSeq: Int64
        public var importedAt: String

        /// The recorded zone; one this machine does not know is reported as the stored value
        /// it is (`legacy_import`, its id), not as a command-line option.
        public func zone() throws -> LegacyTimeZone {
            do {
                return try LegacyTimeZone(identifier: timeZone)
            } catch {
                throw SkillMetricsError.invalidStoredValue(
                    table: "legacy_import", column: "time_zone", row: "id \(id)",
                    reason: "unknown time zone \(JSONWriter.quoted(timeZone)); give the zone with --timezone")
            }
        }
    }

    /// A cutover or rollback (a row of `legacy_cutover`).
    public struct LegacyCutoverRecord: Sendable, Equatable {
        public var kind: String
        public var legacyPath: String
        public var backupPath: String?
        public var logSeq: Int64
        public var at: String
    }

    /// The most recent legacy import, if any.
    public func latestLegacyImport() throws -> LegacyImportRecord? {
        try read { db in try Self.latestLegacyImport(db) }
    }

    /// The most recent cutover or rollback, if any.
    public func latestLegacyCutover() throws -> LegacyCutoverRecord? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT kind, legacy_path, backup_path, log_seq, at FROM legacy_cutover ORDER BY id DESC LIMIT 1
                """).map { row in
                let stored = StoredRow(row, table: "legacy_cutover", key: "the latest row")
                return LegacyCutoverRecord(
                    kind: try stored.decode(atIndex: 0), legacyPath: try stored.decode(atIndex: 1),
                    backupPath: try stored.decodeIfPresent(atIndex: 2), logSeq: try stored.decode(atIndex: 3),
                    at: try stored.decode(atIndex: 4))
            }
        }
    }

    static func latestLegacyImport(_ db: Database) throws -> LegacyImportRecord? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT id, source_path, dialect, time_zone, last_updated, log_seq, imported_at
            FROM legacy_import ORDER BY id DESC LIMIT 1
            """) else { return nil }
        let stored = StoredRow(row, table: "legacy_import")
        let id: Int64 = try stored.decode(atIndex: 0)
        let keyed = stored.identified(by: "id \(id)")
        let dialectName: String = try keyed.decode(atIndex: 2)
        guard let dialect = LegacyDialect(rawValue: dialectName) else {
            throw keyed.failure(atIndex: 2, reason: "unknown dialect \(JSONWriter.quoted(dialectName))")
        }
        return LegacyImportRecord(
            id: id, sourcePath: try keyed.decode(atIndex: 1), dialect: dialect,
            timeZone: try keyed.decode(atIndex: 3), lastUpdated: try keyed.decodeIfPresent(atIndex: 4),
            logSeq: try keyed.decode(atIndex: 5), importedAt: try keyed.decode(atIndex: 6))
    }

    /// The log's last seq (0 for an empty log).
    package static func maxSeq(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM skill_invocation") ?? 0
    }

    /// Records a cutover or rollback.
    func recordLegacyCutover(kind: String, legacyPath: String, backupPath: String?) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO legacy_cutover (kind, legacy_path, backup_path, log_seq) VALUES (?, ?, ?, ?)
                """, arguments: [kind, legacyPath, backupPath, try Self.maxSeq(db)])
        }
    }
}

extension SkillMetricsStore {
    /// The zone to read a legacy file's naive times in: `identifier` when given, else the zone
    /// of the last import, else the machine's zone.
    public func legacyTimeZone(_ identifier: String?) throws -> LegacyTimeZone {
        if let identifier { return try LegacyTimeZone(identifier: identifier) }
        if let latest = try latestLegacyImport() { return try latest.zone() }
        return try LegacyTimeZone(identifier: nil)
    }

    /// The dual-read diff: the stored projections against a legacy document's aggregates.
    public func legacyDifferences(_ document: LegacyDocument, zone: LegacyTimeZone) throws -> [LegacyFieldDifference] {
        LegacyValidator.compare(database: try SkillMetricsQueries(store: self).allMetricsInFirstSeenOrder(), document: document, zone: zone)
    }
}
