import Foundation
import SkillMetrics

/// Peak resident memory of one operation, measured in a child process with `wait4`'s
/// `ru_maxrss`.
///
/// Linux carries a process's RSS high-water mark across `execve` (the kernel records the old
/// address space's peak), and `posix_spawn` starts the child in the parent's address space: a
/// child spawned straight from the benchmark (whose own RSS is large by then) would report
/// the benchmark's peak. So the benchmark starts a small launcher (itself, with
/// `--rss-launch`) that does nothing but spawn the measured child (`--rss-child`), wait for it
/// with `wait4` and print its `ru_maxrss`. The launcher's own footprint (a few MB) is then the
/// floor, well below what opening a store costs.
enum RSSProbe {
    static let launchFlag = "--rss-launch"
    static let childFlag = "--rss-child"

    /// What a child does.
    enum Task: String {
        /// Open (and migrate-check) the store only: the floor every child pays.
        case open
        /// Open the store and rebuild the projections.
        case rebuild
        /// Open the (empty) store and import a legacy file into it (arguments: database, file).
        case importLegacy = "import"
        /// Parse a legacy file only (`LegacyDocument.load`; arguments: database, file).
        case parseLegacy = "parse"
    }

    /// Runs `task` with `arguments` (the database first) in a child; returns its peak RSS in
    /// kilobytes.
    static func measure(_ task: Task, _ arguments: [String]) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try selfExecutable())
        process.arguments = [launchFlag, task.rawValue] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, let kilobytes = Int(text) else {
            throw BenchError("RSS launcher (\(task.rawValue) \(arguments)) failed: status \(process.terminationStatus), output \(text)")
        }
        return kilobytes
    }

    /// The launcher's and the child's sides: returns true when this process was one of them
    /// (and did its part).
    static func runIfAsked() -> Bool {
        let arguments = CommandLine.arguments
        guard arguments.count >= 4, let task = Task(rawValue: arguments[2]) else { return false }
        switch arguments[1] {
        case launchFlag:
            do {
                print(try spawnAndWait([childFlag] + arguments[2...]))
                exit(0)
            } catch {
                FileHandle.standardError.write(Data("RSS launcher failed: \(error)\n".utf8))
                exit(1)
            }
        case childFlag:
            do {
                switch task {
                case .open: _ = try SkillMetricsStore(path: arguments[3])
                case .rebuild: try SkillMetricsStore(path: arguments[3]).rebuild()
                case .importLegacy:
                    guard arguments.count == 5 else { throw BenchError("import needs a database and a file") }
                    try LegacyImportHook.importLegacy(jsonPath: arguments[4], databasePath: arguments[3])
                case .parseLegacy:
                    guard arguments.count == 5 else { throw BenchError("parse needs a database and a file") }
                    _ = try SkillMetricsStore(path: arguments[3])
                    _ = try LegacyDocument.load(path: arguments[4])
                }
            } catch {
                FileHandle.standardError.write(Data("RSS child failed: \(error)\n".utf8))
                exit(1)
            }
            exit(0)
        default:
            return false
        }
    }

    /// Spawns this executable with `arguments`, waits with `wait4`, returns its `ru_maxrss` (KB).
    private static func spawnAndWait(_ arguments: [String]) throws -> Int {
        let executable = try selfExecutable()
        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) }
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
            throw BenchError("RSS child \(arguments) failed with status \(status)")
        }
        return usage.ru_maxrss  // kilobytes on Linux
    }

    static func selfExecutable() throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { throw BenchError("cannot resolve /proc/self/exe") }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
