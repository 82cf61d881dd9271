import Foundation
import Testing

/// SIGINT and SIGTERM during a command that writes a file through a temporary copy (here
/// `backup` of a 20,000-event log, whose copy is written by `VACUUM INTO` and checked before it
/// is put in place) remove that copy: nothing is left beside the target, and the process still
/// ends by the signal.
@Suite("Signal cleanup CLI")
struct SignalCleanupCLITests {
    @Test("a stopped backup leaves no temporary file beside its target", arguments: [SIGTERM, SIGINT])
    func stoppedBackupLeavesNoTemporaryFile(signal number: Int32) throws {
        let scratch = Scratch()
        #expect(try CLI.run(["import-json", Repository.fixture("legacy/large.json"), "--db", scratch.db,
                             "--timezone", "UTC"]).status == 0)
        let directory = scratch.path + "/out"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let target = directory + "/backup.db"
        func temporaries() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.contains(".tmp-") }
        }
        var stopped = 0
        for _ in 0..<5 where stopped == 0 {
            let export = try RunningCLI(["backup", "--db", scratch.db, target])
            // Stop it while its temporary file is there.
            let seen = export.waitFor(seconds: 20) { !temporaries().isEmpty || !export.isRunning }
            if seen && export.isRunning {
                _ = kill(export.pid, number)
                stopped += 1
            }
            let status = export.wait()
            if stopped > 0 {
                #expect((export.wasKilled && status == number) || status == 0, "status \(status)")
                #expect(temporaries().isEmpty, "left: \(temporaries())")
            }
            try? FileManager.default.removeItem(atPath: target)
        }
        #expect(stopped > 0, "the backup always finished before its temporary file was seen")
    }
}
