import Foundation
import Testing
@testable import SkillMetrics

@Suite("Backup and restore (library)")
struct BackupTests {
    @Test func rotationOnlyMatchesItsOwnPattern() {
        let prefix = BackupService.backupPrefix(for: "/x/.session-buddy/skill_metrics.db")
        #expect(prefix == "skill_metrics-")
        #expect(BackupService.isRotatedBackup("skill_metrics-20261126T101500.123456Z.db", prefix: prefix))
        #expect(BackupService.isRotatedBackup("skill_metrics-20261126T101500.123456Z-2.db", prefix: prefix))
        for name in ["skill_metrics-notes.db", "skill_metrics-20261126T101500.123456Z.db.bak",
                     "other-20261126T101500.123456Z.db", "skill_metrics-20261126X101500.123456Z.db",
                     "skill_metrics-20261126T101500.123456Z-x.db", "skill_metrics.db"] {
            #expect(!BackupService.isRotatedBackup(name, prefix: prefix), "\(name)")
        }
    }

    /// Rotation removes the oldest backups by time stamp and then by the `-n` suffix of a
    /// second backup in the same microsecond, not by name: `…Z-10.db` is newer than `…Z-2.db`,
    /// which is newer than `…Z.db`.
    @Test func rotationOrdersSameInstantBackupsByTheirSuffix() throws {
        let database = try TestDatabase()
        let directory = database.directory.file("backups")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let stamp = "metrics-29991231T235959.999999Z"
        for suffix in ["", "-2", "-10", "-9"] {
            try Data("not opened".utf8).write(to: URL(fileURLWithPath: directory + "/" + stamp + suffix + ".db"))
        }
        // The new backup (stamped now) is the oldest of the five.
        let result = try BackupService(store: database.store).backup(directory: directory, keep: 2)
        let remaining = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(remaining == [stamp + "-10.db", stamp + "-9.db"])
        #expect(Set(result.removed.map { ($0 as NSString).lastPathComponent })
                == [(result.path as NSString).lastPathComponent, stamp + ".db", stamp + "-2.db"])
        #expect(BackupService.rotationKey(stamp + "-99999999999999999999999.db", prefix: "metrics-")?.attempt == Int.max)
        #expect(BackupService.rotationKey(stamp + "-.db", prefix: "metrics-") == nil)
    }

    @Test func emptyDatabaseBacksUpAndRestores() throws {
        let database = try TestDatabase()
        let backup = database.directory.file("empty-backup.db")
        let result = try BackupService(store: database.store).backup(to: backup)
        #expect(result.events == 0 && result.lastSeq == 0)
        let target = database.directory.file("restored.db")
        let restored = try BackupService.restore(from: backup, to: target)
        #expect(restored.events == 0)
        #expect(restored.schemaVersion == database.store.migrationRunner.latestVersion)
        #expect(try SkillMetricsStore(path: target).verify().isConsistent)
    }

    @Test func backupWithAChangedMigrationHistoryIsRefused() throws {
        let database = try TestDatabase()
        try database.store.append(auditSampleEvents(5))
        let backup = database.directory.file("b.db")
        _ = try BackupService(store: database.store).backup(to: backup)
        try Tamper.sql(backup, "UPDATE schema_migrations SET checksum = 'forged' WHERE version = 1;")
        let target = database.directory.file("target.db")
        try Data("existing".utf8).write(to: URL(fileURLWithPath: target))
        #expect {
            try BackupService.restore(from: backup, to: target)
        } throws: { error in
            "\(error)".contains("b.db") && "\(error)".contains("migration") && "\(error)".contains("nothing was restored")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data("existing".utf8))
    }

    @Test func backupWhoseAuditChainWasTamperedIsRefused() throws {
        let database = try TestDatabase()
        try database.store.append(auditSampleEvents(5))
        _ = try Auditor(store: database.store).checkpoint()
        let backup = database.directory.file("b.db")
        _ = try BackupService(store: database.store).backup(to: backup)
        // The edit is made with the immutability trigger dropped, and the trigger is put back
        // as it was: the schema check passes, and only the audit chain can see the edit.
        let trigger = try ExternalTool.sqlite(backup, "SELECT sql FROM sqlite_master WHERE name = 'skill_invocation_no_update';")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(trigger.hasPrefix("CREATE TRIGGER skill_invocation_no_update"))
        try Tamper.sql(backup, "DROP TRIGGER skill_invocation_no_update; UPDATE skill_invocation SET recorded_at = '2000-01-01T00:00:00.000Z' WHERE seq = 2;\n\(trigger);")
        #expect {
            try BackupService.restore(from: backup, to: database.directory.file("t.db"))
        } throws: { error in
            "\(error)".contains("audit verify failed") && "\(error)".contains("seq 2")
        }
        #expect(!FileManager.default.fileExists(atPath: database.directory.file("t.db")))
    }
}
