import Foundation
import Testing

/// The server ends the session under a command: it exits 2 naming the server (password
/// masked), never hangs (postgres-nio 1.33 could leave a query waiting forever) nor crashes.
@Suite("PostgreSQL connection loss", .serialized, .enabled(if: PostgresTestServer.shouldRun))
struct ConnectionLossTests {
    /// verify, health and rebuild while the test terminates the database's backends again and
    /// again (from the start, until the command has exited): each exits 2 within 60 s.
    @Test(arguments: ["verify", "health", "rebuild"])
    func terminatedBackendEndsTheCommand(command: String) throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("loss", count: 60_000, prefix: "l", seed: 21)
        // The test server trusts local TCP logins: the password is never used, only printed if leaked.
        let url = log.url.replacingOccurrences(of: "postgres://postgres@", with: "postgres://postgres:loss-secret@")
        let started = try PostgresCLI.start([command, "--db", url], scratch: log.scratch.path)
        // First until the fold reads on its second and third connections (where a query could
        // wait forever): terminating from the start would mostly end the command at its first
        // statements.
        let (result, hung, terminated) = try Self.terminateUntilExit(started, log, afterConnections: 2)
        #expect(!hung, "\(command) still running 60 s after its backends were terminated (\(terminated) terminated)")
        #expect(result.status == 2, "\(command) → \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("postgres://postgres:***@127.0.0.1:\(server.port)/\(log.database)"), "\(result.stderr)")
        #expect(!(result.stdout + result.stderr).contains("loss-secret"))
        // The log is unharmed: a rebuild cut short rolled back.
        try log.ok(["verify", "--db", log.url])
    }

    /// An incremental pull (into a replica that already holds an event) reads the log in pages:
    /// the server ending its session mid-pull neither hangs nor stops the process (a row stream
    /// closed under a batch being written could, in postgres-nio 1.33), the batches written
    /// before stay consistent, and the next pull finishes the job.
    @Test func terminatedBackendEndsAnIncrementalPull() throws {
        guard let server = PostgresTestServer.available() else { return }
        let log = try TeamLogFixture(server: server)
        try log.ok(["migrate", "--db", log.url])
        try log.pushedDatabase("loss", count: 60_000, prefix: "p", seed: 22)
        let replica = log.scratch.path + "/replica.db"
        try log.ok(["append", "--db", replica, "--skill", "local-only", "--duration", "1"])
        let url = log.url.replacingOccurrences(of: "postgres://postgres@", with: "postgres://postgres:loss-secret@")
        let started = try PostgresCLI.start(["pull", "--db", replica, "--from", url], scratch: log.scratch.path)
        let (result, hung, _) = try Self.terminateUntilExit(started, log, afterConnections: 0)
        #expect(!hung, "pull still running 60 s after its backend was terminated")
        // Terminated mid-pull: exit 2 naming the server (a pull that won the race exits 0).
        #expect(result.status == 2 || result.status == 0, "pull → \(result.status): \(result.stderr)")
        if result.status == 2 {
            #expect(result.stderr.contains("postgres://postgres:***@127.0.0.1:\(server.port)/\(log.database)"), "\(result.stderr)")
        }
        #expect(!(result.stdout + result.stderr).contains("loss-secret"))
        try log.ok(["verify", "--db", replica])
        try log.ok(["pull", "--db", replica, "--from", log.url])
        try log.ok(["verify", "--db", replica])
        #expect(try log.localSQL(replica, "SELECT count(*) FROM skill_invocation") == "60001")
    }

    /// Once the started command holds `afterConnections` sessions on the test database,
    /// terminates every session of it every 10 ms until the command exits, for at most 60 s
    /// (then it is killed and counted as hung). Returns its result and how many sessions were
    /// terminated.
    private static func terminateUntilExit(
        _ started: (Process, String, String), _ log: TeamLogFixture, afterConnections: Int
    ) throws -> (result: PostgresCLIResult, hung: Bool, terminated: Int) {
        let deadline = Date().addingTimeInterval(60)
        let backends = """
            FROM pg_stat_activity
            WHERE datname = '\(log.database)' AND pid <> pg_backend_pid() AND backend_type = 'client backend'
            """
        while started.0.isRunning && Date() < deadline,
              (Int(try log.sql("SELECT count(*) \(backends)")) ?? 0) < afterConnections {
            usleep(2_000)
        }
        var terminated = 0
        while started.0.isRunning && Date() < deadline {
            terminated += Int(try log.sql("SELECT count(pg_terminate_backend(pid)) \(backends)")) ?? 0
            usleep(10_000)
        }
        let hung = started.0.isRunning
        if hung { kill(started.0.processIdentifier, SIGKILL) }
        return (PostgresCLI.collect(started), hung, terminated)
    }
}
