import Foundation
import Testing

/// Values a database holds are shown and reported as what they are: counts past 32 bits, a
/// recorded zone this machine does not know, an older schema a report-only command meets, a
/// database reached through a symbolic link.
@Suite("Stored values (CLI)")
struct StoredValueCLITests {
    @Test("list prints counts from 2^31 on as they are stored, not wrapped to 32 bits")
    func largeCounts() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["append", "--db", scratch.db, "--skill", "s", "--duration", "1"]).status == 0)
        #expect(try Tool.sqlite(scratch.db, "UPDATE skill_totals SET total_invocations = 3000000000;").status == 0)
        let list = try CLI.run(["list", "--db", scratch.db])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("3000000000"), "\(list.stdout)")
        #expect(!list.stdout.contains("-1294967296"), "\(list.stdout)")
    }

    @Test("a zone recorded in legacy_import that this machine does not know is named as the stored value")
    func unknownStoredZone() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["migrate", "--db", scratch.db]).status == 0)
        #expect(try Tool.sqlite(scratch.db, """
            INSERT INTO legacy_import (source_path, dialect, time_zone, invocations, appended, already_present, log_seq)
            VALUES ('x.json', 'crackerjack', 'Not/AZone', 0, 0, 0, 0);
            """).status == 0)
        let export = try CLI.run(["export-json", "--db", scratch.db, scratch.file("out.json")])
        #expect(export.status == 2)
        #expect(export.stderr.contains("legacy_import, id 1, column time_zone: unknown time zone \"Not/AZone\""), "\(export.stderr)")
        #expect(!export.stderr.contains("--timezone: unknown"), "\(export.stderr)")
        // A zone given on the command line is used instead.
        #expect(try CLI.run(["export-json", "--db", scratch.db, scratch.file("out.json"), "--timezone", "UTC"]).status == 0)
    }

    @Test("refresh-summary --status only reads: an older schema is reported, not migrated")
    func statusDoesNotMigrate() throws {
        let scratch = Scratch()
        #expect(try CLI.run(["migrate", "--to", "1", "--db", scratch.db]).status == 0)
        let status = try CLI.run(["refresh-summary", "--status", "--db", scratch.db])
        #expect(status.status == 2, "\(status.stdout)\(status.stderr)")
        #expect(status.stderr.contains("the schema is at version 1"), "\(status.stderr)")
        #expect(try Tool.sqlite(scratch.db, "SELECT max(version) FROM schema_migrations;").stdout == "1\n")
    }

    @Test("audit checkpoint neither shows nor builds on a latest checkpoint whose digest or count cannot be one",
          arguments: ["digest = 'zz'", "event_count = -3"])
    func tamperedLatestCheckpoint(edit: String) throws {
        let scratch = Scratch()
        #expect(try CLI.run(["append", "--db", scratch.db, "--skill", "s"]).status == 0)
        #expect(try CLI.run(["audit", "checkpoint", "--db", scratch.db]).status == 0)
        // As someone with the file would: drop the guard, edit, put the guard back.
        let guardSQL = try Tool.sqlite(scratch.db, "SELECT sql FROM sqlite_master WHERE name = 'audit_checkpoint_no_update';").stdout
        #expect(try Tool.sqlite(scratch.db, "PRAGMA ignore_check_constraints = 1; DROP TRIGGER audit_checkpoint_no_update; UPDATE audit_checkpoint SET \(edit); \(guardSQL);").status == 0)
        for appendFirst in [false, true] {
            if appendFirst { #expect(try CLI.run(["append", "--db", scratch.db, "--skill", "t"]).status == 0) }
            let before = try Tool.sqlite(scratch.db, "SELECT count(*) FROM audit_checkpoint;").stdout
            let result = try CLI.run(["audit", "checkpoint", "--db", scratch.db])
            #expect(result.status == 2, "\(edit): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("audit_checkpoint seq 1, field"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(try Tool.sqlite(scratch.db, "SELECT count(*) FROM audit_checkpoint;").stdout == before)
        }
    }

    @Test("restore through a symbolic link replaces the file it points to and keeps the link")
    func restoreThroughALink() throws {
        let scratch = Scratch()
        let real = scratch.file("real.db"), link = scratch.file("link.db"), backup = scratch.file("bk.db")
        #expect(try CLI.run(["append", "--db", real, "--skill", "kept"]).status == 0)
        #expect(try CLI.run(["backup", backup, "--db", real]).status == 0)
        #expect(try CLI.run(["append", "--db", real, "--skill", "after-backup"]).status == 0)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.db")
        let restore = try CLI.run(["restore", backup, "--db", link])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real.db")
        #expect(try Tool.sqlite(real, "SELECT group_concat(skill_name) FROM skill_invocation;").stdout == "kept\n")
    }
}
