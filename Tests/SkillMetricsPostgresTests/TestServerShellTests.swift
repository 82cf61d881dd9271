import Foundation
import Testing

/// The test cluster's shell must not hand the test process's descriptors to what it starts:
/// a server or watchdog holding another test's pipe open made that test, and the whole run, hang.
@Suite("Test cluster shell")
struct TestServerShellTests {
    @Test func aProcessLeftRunningHoldsNoDescriptorOfTheTestProcess() throws {
        let pipe = Pipe()  // as RunningCLI makes them: not close-on-exec
        defer {
            try? pipe.fileHandleForReading.close()
            try? pipe.fileHandleForWriting.close()
        }
        let output = try PostgresTestServer.shell("sleep 30 </dev/null >/dev/null 2>&1 & echo $!")
        let pid = try #require(Int32(output.trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { _ = kill(pid, SIGKILL) }
        // Until the background job has exec'd `sleep` it is a bash child setting up its
        // redirections (a /dev/null descriptor open for a moment): wait for the exec.
        let deadline = Date().addingTimeInterval(20)
        while (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("sleep") != true,
              Date() < deadline {
            usleep(10_000)
        }
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
            .compactMap { Int32($0) }.sorted()
        #expect(descriptors == [0, 1, 2])
        // And so the pipe's reader sees its end as soon as the test process closes the write end
        // (not read when the sleeper holds it: that read would wait out the sleep).
        if descriptors == [0, 1, 2] {
            try pipe.fileHandleForWriting.close()
            #expect(pipe.fileHandleForReading.readDataToEndOfFile().isEmpty)
        }
    }
}
