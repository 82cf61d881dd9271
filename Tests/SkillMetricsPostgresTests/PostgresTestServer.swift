import Foundation
import Synchronization
import Testing

/// A throwaway PostgreSQL cluster for the suite: initdb (as the `postgres` user when run as
/// root) into a temporary directory, started on a free loopback port with its unix socket in
/// that directory and TLS on (a self-signed CA made with openssl), stopped when the test
/// process exits — also when it dies: a watchdog process stops the cluster once its parent is gone.
///
/// Without a server under CI=true the tests fail; elsewhere they are skipped with the reason printed.
final class PostgresTestServer: Sendable {
    let directory: String
    let port: Int
    let binaries: String
    /// The CA certificate that signed the server's certificate (for sslmode=verify-full).
    let caFile: String

    /// The shared server, started on first use; nil (with the reason) when there is none.
    static let shared: Result<PostgresTestServer, ServerUnavailable> = {
        do { return .success(try PostgresTestServer()) } catch let error as ServerUnavailable {
            return .failure(error)
        } catch {
            return .failure(ServerUnavailable(reason: "\(error)"))
        }
    }()

    struct ServerUnavailable: Error, CustomStringConvertible {
        var reason: String
        var description: String { "PostgreSQL test server unavailable: \(reason)" }
    }

    /// The server, or nil after recording why (an issue under CI=true, a printed skip otherwise).
    static func available() -> PostgresTestServer? {
        switch shared {
        case .success(let server): return server
        case .failure(let error):
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("\(error) (CI=true: the PostgreSQL tests must run; .ci/run installs postgresql)")
            } else {
                print("skipping PostgreSQL test: \(error)")
            }
            return nil
        }
    }

    /// True when `available()` would give a server (for `.enabled(if:)`; CI always runs them, to fail loudly).
    static var shouldRun: Bool {
        ProcessInfo.processInfo.environment["CI"] == "true" || (try? shared.get()) != nil
    }

    private init() throws {
        let fileManager = FileManager.default
        let versions = ((try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).sorted()
        guard let version = versions.last else {
            throw ServerUnavailable(reason: "no /usr/lib/postgresql/*/bin (apt-get install postgresql)")
        }
        binaries = "/usr/lib/postgresql/\(version)/bin"
        directory = fileManager.temporaryDirectory.appendingPathComponent("skill-metrics-pg-\(UUID().uuidString)").path
        try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = try Self.freePort()
        caFile = directory + "/ca.crt"
        let isRoot = getuid() == 0
        try Self.shell("""
            set -e
            cd '\(directory)'
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=skill-metrics-test-ca \
                -keyout ca.key -out ca.crt 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr 2>/dev/null
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
                -extfile san.ext -out server.crt 2>/dev/null
            chmod 600 server.key
            \(isRoot ? "chown -R postgres '\(directory)'" : "true")
            """)
        let asOwner = isRoot ? "runuser -u postgres -- " : ""
        try Self.shell("""
            set -e
            \(asOwner)'\(binaries)/initdb' -D '\(directory)/data' -U postgres --auth=trust --locale=C -E UTF8 >'\(directory)/initdb.log' 2>&1
            cat >> '\(directory)/data/postgresql.conf' <<CONF
            listen_addresses = '127.0.0.1'
            port = \(port)
            unix_socket_directories = '\(directory)'
            ssl = on
            ssl_cert_file = '\(directory)/server.crt'
            ssl_key_file = '\(directory)/server.key'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            max_connections = 40
            CONF
            printf 'local all all trust\\nhostnossl all pgtls 127.0.0.1/32 reject\\nhostssl all pgtls 127.0.0.1/32 scram-sha-256\\nhost all pgpush,pgread 127.0.0.1/32 scram-sha-256\\nhost all all 127.0.0.1/32 trust\\n' > '\(directory)/data/pg_hba.conf'
            \(asOwner)'\(binaries)/pg_ctl' -D '\(directory)/data' -l '\(directory)/server.log' -w -t 60 start </dev/null >/dev/null 2>'\(directory)/pg_ctl.err'
            """)
        // The watchdog: stops the cluster as soon as this test process is gone, however it ended.
        try Self.shell("""
            setsid nohup sh -c 'while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; \
                \(asOwner)"\(binaries)/pg_ctl" -D "\(directory)/data" -m immediate stop >/dev/null 2>&1; \
                rm -rf "\(directory)"' </dev/null >/dev/null 2>&1 &
            """)
    }

    /// A new empty database; returns its superuser URL.
    func makeDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try psql("CREATE DATABASE \(name)")
        return "postgres://postgres@127.0.0.1:\(port)/\(name)"
    }

    /// Runs SQL as the superuser over the unix socket; returns stdout (unaligned, tuples only).
    @discardableResult
    func psql(_ sql: String, database: String = "postgres") throws -> String {
        let file = directory + "/q-\(UUID().uuidString).sql"
        try Data(sql.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try Self.shell("'\(binaries)/psql' -h '\(directory)' -p \(port) -U postgres -d '\(database)' -X -q -A -t -v ON_ERROR_STOP=1 -f '\(file)'")
    }

    /// The database name of a URL made by ``makeDatabase()``.
    static func databaseName(_ url: String) -> String {
        String(url.split(separator: "/").last ?? "")
    }

    /// Closes every descriptor above 2 that bash inherited. posix_spawn passes the test process's
    /// open descriptors on, and Foundation's `Pipe` does not set close-on-exec: a server or the
    /// watchdog started here would hold the write end of another test's pipe for good, and that
    /// test's read to the end (`RunningCLI.wait()`) would never return.
    static let closeInheritedDescriptors =
        #"for fd in /proc/$$/fd/*; do fd=${fd##*/}; if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi; done"#

    /// Runs a bash script; output goes through files, never pipes (a server started by the
    /// script could keep a pipe open and the read would never end), and the script starts
    /// with no descriptor but 0, 1 and 2 (see ``closeInheritedDescriptors``).
    @discardableResult
    static func shell(_ script: String) throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("skill-metrics-sh-\(UUID().uuidString)")
        let outURL = scratch.appendingPathExtension("out")
        let errURL = scratch.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        // posix_spawn and a blocking waitpid: Foundation's Process did not notice the exit of a
        // shell whose grandchild (the server) lives on.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outURL.path, O_WRONLY | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errURL.path, O_WRONLY | O_TRUNC, 0o600)
        let arguments = ["/bin/bash", "-c", closeInheritedDescriptors + "\n" + script]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, &argv, environ)
        guard spawned == 0 else { throw ServerUnavailable(reason: "posix_spawn failed: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let out = (try? Data(contentsOf: outURL)) ?? Data()
        let err = (try? Data(contentsOf: errURL)) ?? Data()
        guard exitStatus == 0 else {
            throw ServerUnavailable(reason: "`\(script.prefix(200))` exited \(exitStatus): \(String(decoding: err, as: UTF8.self))")
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A loopback TCP port nobody listens on (bound once with port 0, then released).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ServerUnavailable(reason: "socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ServerUnavailable(reason: "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw ServerUnavailable(reason: "getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
