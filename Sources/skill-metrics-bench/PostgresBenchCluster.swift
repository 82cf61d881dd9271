import Foundation

/// A throwaway PostgreSQL cluster for the benchmark's team-log rows, set up as the
/// SkillMetricsPostgres test suite does it: initdb (as the `postgres` user when run as root)
/// into a temporary directory, a free loopback port, durability off (fsync, synchronous_commit,
/// full_page_writes: the rows measure the work, not the disk), stopped and removed by ``stop()``.
final class PostgresBenchCluster: Sendable {
    let directory: String
    let port: Int
    let binaries: String
    private let asOwner: String

    /// Why there is no cluster (no PostgreSQL binaries), or nil when one can be started.
    static func unavailableReason() -> String? {
        latestBinaries() == nil ? "no PostgreSQL server (no /usr/lib/postgresql/*/bin)" : nil
    }

    private static func latestBinaries() -> String? {
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).sorted()
        guard let version = versions.last else { return nil }
        let path = "/usr/lib/postgresql/\(version)/bin"
        return FileManager.default.isExecutableFile(atPath: path + "/initdb") ? path : nil
    }

    init(under parent: String) throws {
        guard let binaries = Self.latestBinaries() else { throw BenchError("no PostgreSQL server") }
        self.binaries = binaries
        directory = parent + "/pg-cluster"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = try Self.freePort()
        let isRoot = getuid() == 0
        asOwner = isRoot ? "runuser -u postgres -- " : ""
        try Self.shell("""
            set -e
            \(isRoot ? "chown postgres '\(directory)'; chmod o+x '\(parent)'" : "true")
            \(asOwner)'\(binaries)/initdb' -D '\(directory)/data' -U postgres --auth=trust --locale=C -E UTF8 >'\(directory)/initdb.log' 2>&1
            cat >> '\(directory)/data/postgresql.conf' <<CONF
            listen_addresses = '127.0.0.1'
            port = \(port)
            unix_socket_directories = '\(directory)'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            shared_buffers = 256MB
            max_wal_size = 4GB
            CONF
            \(asOwner)'\(binaries)/pg_ctl' -D '\(directory)/data' -l '\(directory)/server.log' -w -t 60 start </dev/null >/dev/null 2>'\(directory)/pg_ctl.err'
            """)
    }

    /// A new empty database's superuser URL.
    func makeDatabase(_ name: String) throws -> String {
        try Self.shell("'\(binaries)/psql' -h '\(directory)' -p \(port) -U postgres -d postgres -X -q -c 'CREATE DATABASE \(name)'")
        return "postgres://postgres@127.0.0.1:\(port)/\(name)"
    }

    /// Writes every dirty buffer out now (`CHECKPOINT`), so that the writes a measured run left
    /// behind are not flushed by the background checkpointer during the next one.
    func checkpoint() throws {
        try Self.shell("'\(binaries)/psql' -h '\(directory)' -p \(port) -U postgres -d postgres -X -q -c 'CHECKPOINT'")
    }

    /// Stops the server and removes its directory.
    func stop() {
        _ = try? Self.shell("\(asOwner)'\(binaries)/pg_ctl' -D '\(directory)/data' -m fast -w stop >/dev/null 2>&1; rm -rf '\(directory)'")
    }

    /// Runs a bash script; its output goes to files (a server it starts may keep pipes open), and
    /// it first closes every descriptor above 2 it inherited (Foundation's pipes are not
    /// close-on-exec; the server would hold them open for good).
    @discardableResult
    static func shell(_ script: String) throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bench-sh-\(UUID().uuidString)")
        let outPath = scratch.path + ".out", errPath = scratch.path + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let closeInherited = #"for fd in /proc/$$/fd/*; do fd=${fd##*/}; if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi; done"#
        let arguments = ["/bin/bash", "-c", closeInherited + "\n" + script]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, &argv, environ)
        guard spawned == 0 else { throw BenchError("posix_spawn failed: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let out = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
        guard exitStatus == 0 else {
            let err = (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
            throw BenchError("`\(script.prefix(160))` exited \(exitStatus): \(String(decoding: err, as: UTF8.self))")
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A loopback TCP port nobody listens on.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw BenchError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw BenchError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw BenchError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
