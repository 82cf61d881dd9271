import Foundation
import GRDB

/// Online backups of a store and checked restores (`backup`, `restore`).
///
/// A backup is `VACUUM INTO` on one read snapshot (writers keep running), written through
/// ``AtomicFileWriter`` so that the backup path never holds a partial file. A restore copies
/// the backup beside the target, proves the copy sound, and only then renames it over the
/// target.
public struct BackupService: Sendable {
    /// The store to back up.
    public let store: SkillMetricsStore

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    // MARK: Backup

    /// Writes a consistent copy of the database to `path` while writers keep running.
    ///
    /// The copy is owner-only, synced, and renamed into place; an existing `path` is refused.
    public func backup(to path: String) throws -> BackupResult {
        if FileManager.default.fileExists(atPath: path) {
            throw SkillMetricsError.fileAccess(path: path, reason: "already exists; give a new file name (or use --dir with --keep)")
        }
        let (events, lastSeq) = try AtomicFileWriter.replace(path, permissions: 0o600, overwrite: false) { temporary in
            do {
                try store.pool.unsafeRead { db in
                    try db.execute(sql: "VACUUM INTO ?", arguments: [temporary])
                }
            } catch let error as DatabaseError {
                throw SkillMetricsError.database(operation: "writing the backup \(path)", message: error.message ?? "\(error)")
            }
            return try Self.inspectCopy(temporary)
        }
        return BackupResult(path: path, bytes: Self.fileSize(path), events: events, lastSeq: lastSeq, removed: [])
    }

    /// Writes a backup named `<db name>-<UTC time>.db` into `directory` (created owner-only if
    /// needed), then removes the oldest such backups so that the newest `keep` remain.
    ///
    /// Only files whose names match that pattern for this database are ever removed.
    public func backup(directory: String, keep: Int) throws -> BackupResult {
        guard keep >= 1 else {
            throw SkillMetricsError.invalidInput(location: "--keep", reason: "must be at least 1, got \(keep)")
        }
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw SkillMetricsError.fileAccess(path: directory, reason: "cannot create the backup directory")
            }
        }
        let prefix = Self.backupPrefix(for: store.path)
        let stamp = Timestamp.now().canonical.filter { $0 != "-" && $0 != ":" }
        var name = "\(prefix)\(stamp).db"
        var attempt = 1
        while FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(name)) {
            attempt += 1
            name = "\(prefix)\(stamp)-\(attempt).db"
        }
        var result = try backup(to: (directory as NSString).appendingPathComponent(name))
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        // Oldest first: by time stamp, then by the suffix of a second backup in the same
        // microsecond (by name, `…Z-2.db` would sort before `…Z.db` and `-10` before `-2`).
        let backups = names.compactMap { name in Self.rotationKey(name, prefix: prefix).map { (name, $0) } }
            .sorted { ($0.1.stamp, $0.1.attempt) < ($1.1.stamp, $1.1.attempt) }
            .map(\.0)
        for old in backups.dropLast(keep) {
            let oldPath = (directory as NSString).appendingPathComponent(old)
            if (try? FileManager.default.removeItem(atPath: oldPath)) != nil {
                result.removed.append(oldPath)
            }
        }
        return result
    }

    static func backupPrefix(for databasePath: String) -> String {
        let file = (databasePath as NSString).lastPathComponent
        let stem = (file as NSString).deletingPathExtension
        return (stem.isEmpty ? "skill_metrics" : stem) + "-"
    }

    /// `<prefix>YYYYMMDDTHHMMSS.ffffffZ[-n].db`
    static func isRotatedBackup(_ name: String, prefix: String) -> Bool {
        rotationKey(name, prefix: prefix) != nil
    }

    /// The time stamp and attempt number (1 without a `-n` suffix; `Int.max` for a suffix too
    /// long for an Int) of a rotated backup's name, nil for any other name.
    static func rotationKey(_ name: String, prefix: String) -> (stamp: String, attempt: Int)? {
        guard name.hasPrefix(prefix), name.hasSuffix(".db") else { return nil }
        let middle = name.dropFirst(prefix.count).dropLast(3)
        let stamp = middle.prefix(23)
        guard stamp.count == 23 else { return nil }
        let pattern = Array("dddddddd_dddddd.ddddddZ")
        for (character, expected) in zip(stamp, pattern) {
            switch expected {
            case "d": if !character.isASCII || !character.isNumber { return nil }
            case "_": if character != "T" { return nil }
            default: if character != expected { return nil }
            }
        }
        let rest = middle.dropFirst(23)
        if rest.isEmpty { return (String(stamp), 1) }
        let digits = rest.dropFirst()
        guard rest.first == "-", !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return (String(stamp), Int(digits) ?? Int.max)
    }

    // MARK: Restore

    /// Replaces the database at `target` with the backup at `source`, after proving the backup
    /// sound: `PRAGMA integrity_check` is `ok`, it is a SkillMetrics database whose migration
    /// history matches `migrations`, its projections match its log (verify) and its hash chain
    /// matches its checkpoints (audit verify).
    ///
    /// The checks run on a copy next to `target`; only when all pass is the current database
    /// checkpointed out of WAL mode (which fails while another process has it open) and the copy
    /// renamed over it atomically. Any refusal leaves `target` untouched. Stop every writer first.
    public static func restore(
        from source: String, to target: String, migrations: MigrationSource = .embedded
    ) throws -> RestoreResult {
        guard FileManager.default.fileExists(atPath: source) else {
            throw SkillMetricsError.fileAccess(path: source, reason: "no such file")
        }
        let runner = try MigrationRunner(source: migrations)
        let given = target
        // Through a symbolic link, the file it points to is replaced, not the link.
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: given)) == nil
            ? given : URL(fileURLWithPath: given).resolvingSymlinksInPath().path
        let directory = (target as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let summary = try AtomicFileWriter.replace(target, permissions: 0o600) { candidate in
            try copyFile(source, to: candidate)
            let summary = try checkCandidate(candidate, source: source, runner: runner)
            try releaseTarget(target)
            return summary
        }
        return RestoreResult(
            path: given, source: source, events: summary.events, lastSeq: summary.lastSeq,
            schemaVersion: summary.schemaVersion)
    }

    /// Opens the copy and runs every check; throws naming the backup and what failed.
    private static func checkCandidate(
        _ candidate: String, source: String, runner: MigrationRunner
    ) throws -> (events: Int, lastSeq: Int64, schemaVersion: Int) {
        func refuse(_ reason: String) -> SkillMetricsError {
            .notASkillMetricsDatabase(path: source, reason: "\(reason); nothing was restored")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(2)
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: candidate, configuration: configuration)
        } catch let error as DatabaseError {
            throw refuse("cannot open it as SQLite (\(error.message ?? "\(error)"))")
        }
        defer { try? queue.close() }
        do {
            return try queue.inDatabase { db in
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                guard integrity == ["ok"] else {
                    throw refuse("integrity_check failed: \(integrity.prefix(3).joined(separator: "; "))")
                }
                for table in ["skill_invocation", "skill_metrics", "session_skill", "schema_migrations"] {
                    guard try db.tableExists(table) || db.viewExists(table) else {
                        throw refuse("it has no \(table) table (not a SkillMetrics database)")
                    }
                }
                if let problem = try runner.validate(db).first {
                    throw refuse("its migration history does not match this build: \(problem.description)")
                }
                // Its actual schema must be the one its recorded migrations make (a file whose
                // tables were re-created without their constraints passes the checks above).
                let schema = try SchemaConformance(runner: runner).differences(db)
                if !schema.isEmpty {
                    throw refuse("its schema is not what its migrations create: \(schema.prefix(3).map(\.description).joined(separator: "; "))")
                }
                let verify = try ProjectionComparison.verify(db, progress: nil)
                if let first = verify.differences.first {
                    throw refuse("its projections do not match its log (\(verify.differences.count) differences, first: \(first.description))")
                }
                let audit = try Auditor.verify(db)
                if let first = audit.problems.first {
                    throw refuse("audit verify failed: \(first.description)")
                }
                let lastSeq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM skill_invocation") ?? 0
                return (verify.events, lastSeq, try runner.currentVersion(db))
            }
        } catch let error as SkillMetricsError {
            throw error
        } catch let error as DatabaseError {
            throw refuse("reading it failed (\(error.message ?? "\(error)"))")
        } catch {
            throw refuse("reading it failed (\(error))")
        }
    }

    /// Takes the current database at `target` out of WAL mode so that no stale -wal/-shm
    /// can be applied to the restored file; refuses while another connection holds it.
    private static func releaseTarget(_ target: String) throws {
        guard FileManager.default.fileExists(atPath: target) else {
            AtomicFileWriter.removeSidecars(target)
            return
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(2)
        var mode: String?
        do {
            let queue = try DatabaseQueue(path: target, configuration: configuration)
            mode = try queue.inDatabase { db in
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                return try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
            }
            try queue.close()
        } catch let error as DatabaseError
                    where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw SkillMetricsError.fileAccess(path: target, reason: "is in use by another connection; stop its writers and readers, then restore again (nothing was changed)")
        } catch {
            // The current file is not a readable database (the usual reason to restore):
            // its -wal/-shm cannot belong to the restored file, so they go.
            mode = "delete"
        }
        guard mode?.lowercased() == "delete" else {
            throw SkillMetricsError.fileAccess(path: target, reason: "is in use by another connection (journal mode stays \(mode ?? "unknown")); stop its users, then restore again (nothing was changed)")
        }
        AtomicFileWriter.removeSidecars(target)
    }

    // MARK: Files

    static func fileSize(_ path: String) -> Int64 {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Copies the bytes of `source` into the existing file `destination` (keeping its mode).
    static func copyFile(_ source: String, to destination: String) throws {
        guard let input = FileHandle(forReadingAtPath: source) else {
            throw SkillMetricsError.fileAccess(path: source, reason: "cannot open the file for reading")
        }
        defer { try? input.close() }
        guard let output = FileHandle(forWritingAtPath: destination) else {
            throw SkillMetricsError.fileAccess(path: destination, reason: "cannot open the file for writing")
        }
        defer { try? output.close() }
        do {
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
                try output.write(contentsOf: chunk)
            }
        } catch {
            throw SkillMetricsError.fileAccess(path: destination, reason: "copy failed (\(error.localizedDescription))")
        }
    }

    /// Opens a finished backup copy and reads its event count and last seq.
    static func inspectCopy(_ path: String) throws -> (Int, Int64) {
        do {
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try queue.read { db in
                (try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") ?? 0,
                 try SkillMetricsStore.maxSeq(db))
            }
        } catch let error as DatabaseError {
            throw SkillMetricsError.database(operation: "reading back the backup", message: error.message ?? "\(error)")
        }
    }
}
