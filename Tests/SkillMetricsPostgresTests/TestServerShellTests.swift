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
        let output = try PostgresTestServer.shell("sleep 600 </dev/null >/dev/null 2>&1 & echo $!")
        let pid = try #require(Int32(output.trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { _ = kill(pid, SIGKILL) }
        // Until the background job has exec'd `sleep` it is a bash child setting up its
        // redirections: wait for the exec.
        let deadline = Date().addingTimeInterval(120)
        while (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("sleep") != true,
              Date() < deadline {
            usleep(10_000)
        }
        // What each descriptor above 2 is open on ("pipe:[inode]", "socket:[inode]", a path).
        // `sleep` itself may hold one for a moment as it starts (glibc's locale files), so the
        // check is that the job holds nothing the test process holds, not an exact list.
        func openFiles(_ process: String) throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/\(process)/fd").compactMap { name in
                guard let fd = Int32(name), fd > 2 else { return nil }
                return try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process)/fd/\(name)")
            })
        }
        let mine = try openFiles("self")
        let pipeEnds = try [pipe.fileHandleForReading, pipe.fileHandleForWriting].map {
            try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0.fileDescriptor)")
        }
        #expect(mine.isSuperset(of: pipeEnds))
        let shared = try openFiles("\(pid)").intersection(mine)
        #expect(shared.isEmpty, "the job holds the test process's \(shared.sorted())")
        // And so the pipe's reader sees its end as soon as the test process closes the write end
        // (not read when the sleeper holds it: that read would wait out the sleep).
        if shared.isEmpty {
            try pipe.fileHandleForWriting.close()
            #expect(pipe.fileHandleForReading.readDataToEndOfFile().isEmpty)
        }
    }
}
