import Foundation
import SkillMetrics

/// Peak resident memory of one operation, measured in a child process: the benchmark runs
/// itself again with a hidden argument, waits with `wait4` and reads the child's `ru_maxrss`.
enum RSSProbe {
    static let childFlag = "--rss-child"

    /// What a child does.
    enum Task: String {
        /// Open (and migrate-check) the store only: the floor every child pays.
        case open
        /// Open the store and rebuild the projections.
        case rebuild
    }

    /// Runs `task` on `database` in a child; returns its peak RSS in kilobytes.
    static func measure(_ task: Task, database: String) throws -> Int {
        let executable = try selfExecutable()
        let arguments = [executable, childFlag, task.rawValue, database]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, nil, nil, argv, environ)
        guard spawned == 0 else { throw BenchError("posix_spawn \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4: \(String(cString: strerror(errno)))") }
        }
        // WIFEXITED && WEXITSTATUS == 0
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw BenchError("RSS child (\(task.rawValue) \(database)) failed with status \(status)")
        }
        return usage.ru_maxrss  // kilobytes on Linux
    }

    /// The child's side: returns true when this process is an RSS child (and did its task).
    static func runChildIfAsked() -> Bool {
        let arguments = CommandLine.arguments
        guard arguments.count == 4, arguments[1] == childFlag, let task = Task(rawValue: arguments[2]) else {
            return false
        }
        do {
            let store = try SkillMetricsStore(path: arguments[3])
            if task == .rebuild { try store.rebuild() }
        } catch {
            FileHandle.standardError.write(Data("RSS child failed: \(error)\n".utf8))
            exit(1)
        }
        exit(0)
    }

    private static func selfExecutable() throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { throw BenchError("cannot resolve /proc/self/exe") }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
