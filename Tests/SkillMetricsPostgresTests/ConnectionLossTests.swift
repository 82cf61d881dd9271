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
        let deadline = Date().addingTimeInterval(60)
        let backends = """
            FROM pg_stat_activity
            WHERE datname = '\(log.database)' AND pid <> pg_backend_pid() AND backend_type = 'client backend'
            """
        // First until the fold reads on its second and third connections (where a query could
        // wait forever), then from then on: terminating from the start would mostly end the
        // command at its first statements.
        while started.0.isRunning && Date() < deadline, (Int(try log.sql("SELECT count(*) \(backends)")) ?? 0) < 2 {
            usleep(2_000)
        }
        var terminated = 0
        while started.0.isRunning && Date() < deadline {
            terminated += Int(try log.sql("SELECT count(pg_terminate_backend(pid)) \(backends)")) ?? 0
            usleep(10_000)
        }
        let hung = started.0.isRunning
        if hung { kill(started.0.processIdentifier, SIGKILL) }
        let result = PostgresCLI.collect(started)
        #expect(!hung, "\(command) still running 60 s after its backends were terminated (\(terminated) terminated)")
        #expect(result.status == 2, "\(command) → \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("postgres://postgres:***@127.0.0.1:\(server.port)/\(log.database)"), "\(result.stderr)")
        #expect(!(result.stdout + result.stderr).contains("loss-secret"))
        // The log is unharmed: a rebuild cut short rolled back.
        try log.ok(["verify", "--db", log.url])
    }
}
