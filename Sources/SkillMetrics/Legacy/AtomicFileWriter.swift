import Foundation
import Synchronization

/// The one way this library replaces a file: the new content goes to a temporary file in the
/// same directory, is flushed to disk (`fsync`), and the temporary file is renamed over the
/// target, then the directory is synced. Readers (the legacy tracker, a node-exporter textfile
/// collector, SQLite) see the old file or the new one, never a partial one.
///
/// ``write(_:to:)`` writes bytes; ``replace(_:permissions:overwrite:fill:)`` hands the
/// temporary path to a closure that fills it (a `VACUUM INTO`, a copy that is checked before
/// it is put in place) and removes the temporary file (and any `-wal`/`-shm` beside it) on
/// every way out.
public enum AtomicFileWriter {
    /// The temporary files being written now (from ``createTemporary(near:permissions:)`` to
    /// their removal): what ``removeTemporaryFiles()`` deletes when the process is stopped;
    /// and whether it has been (no temporary file is created after that).
    private static let inProgress = Mutex<(paths: Set<String>, stopping: Bool)>(([], false))

    /// How long ``removeTemporaryFiles()`` keeps removing the files again: another thread that
    /// was about to open one (SQLite's `VACUUM INTO` opens its target with O_CREAT) would
    /// otherwise create it anew between the removal and the end of the process.
    static let removalWindow: Duration = .milliseconds(100)

    /// True once ``removeTemporaryFiles()`` has begun: the process is being stopped by its
    /// signal handler, which ends it when the removal is done.
    public static var isStopping: Bool { inProgress.withLock { $0.stopping } }

    /// Removes every temporary file this process is writing (and any `-wal`/`-shm`/`-journal`
    /// beside it), and keeps removing them for ``removalWindow`` in case another thread
    /// creates one again; no new temporary file is created from the first call on. For a
    /// SIGINT or SIGTERM handler, which then ends the process: the target files are never
    /// partial, and this leaves no partial copy beside them either (a SIGKILL still can).
    public static func removeTemporaryFiles() {
        let paths = inProgress.withLock { state in
            state.stopping = true
            return state.paths
        }
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: removalWindow)
        while true {
            for path in paths {
                unlink(path)
                removeSidecars(path)
            }
            guard clock.now < end else { return }
            usleep(5_000)
        }
    }

    /// Writes `bytes` to `path`. An existing file's permission bits are kept (new files: 0644);
    /// with `overwrite` false an existing `path` is refused and never replaced.
    public static func write(_ bytes: [UInt8], to path: String, overwrite: Bool = true) throws {
        var mode: mode_t = 0o644
        var info = stat()
        if stat(path, &info) == 0 { mode = info.st_mode & 0o7777 }
        try replace(path, permissions: mode, overwrite: overwrite) { temporary in
            let descriptor = open(temporary, O_WRONLY | O_TRUNC)
            guard descriptor >= 0 else {
                throw SkillMetricsError.fileAccess(path: path, reason: "cannot open a temporary file beside it (\(errorText()))")
            }
            defer { close(descriptor) }
            var failure: String?
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count, let base = buffer.baseAddress {
                    let written = Foundation.write(descriptor, base + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        failure = errorText()
                        return
                    }
                    offset += written
                }
            }
            if let failure {
                throw SkillMetricsError.fileAccess(path: path, reason: "cannot write the file (\(failure))")
            }
        }
    }

    /// Creates an empty temporary file beside `path` with `permissions`, runs `fill` on its
    /// path, syncs it and renames it over `path` (refusing an existing `path` unless
    /// `overwrite`). The temporary file is removed whatever happens.
    @discardableResult
    public static func replace<T>(
        _ path: String, permissions: mode_t = 0o600, overwrite: Bool = true,
        fill: (_ temporaryPath: String) throws -> T
    ) throws -> T {
        if !overwrite && FileManager.default.fileExists(atPath: path) {
            throw SkillMetricsError.fileAccess(path: path, reason: "already exists; give a new file name")
        }
        let temporary = try createTemporary(near: path, permissions: permissions)
        defer { removeWithSidecars(temporary) }
        let result = try fill(temporary)
        try syncFile(temporary)
        if !overwrite {
            // link(2) puts the file in place only if the name is free, atomically.
            guard link(temporary, path) == 0 else {
                if errno == EEXIST {
                    throw SkillMetricsError.fileAccess(path: path, reason: "appeared while it was being written; nothing was replaced")
                }
                throw SkillMetricsError.fileAccess(path: path, reason: "cannot move the new file into place (\(errorText()))")
            }
            syncDirectory(of: path)
            return result
        }
        guard rename(temporary, path) == 0 else {
            throw SkillMetricsError.fileAccess(path: path, reason: "cannot move the new file into place (\(errorText()))")
        }
        syncDirectory(of: path)
        return result
    }

    /// An empty file (mode `permissions`, created exclusively) in the directory of `path`.
    static func createTemporary(near path: String, permissions: mode_t) throws -> String {
        let directory = (path as NSString).deletingLastPathComponent
        let name = ".\((path as NSString).lastPathComponent).tmp-\(UUID().uuidString.lowercased())"
        let temporary = directory.isEmpty ? name : (directory as NSString).appendingPathComponent(name)
        let descriptor = open(temporary, O_CREAT | O_EXCL | O_WRONLY, permissions)
        guard descriptor >= 0 else {
            throw SkillMetricsError.fileAccess(path: path, reason: "cannot create a temporary file beside it (\(errorText()))")
        }
        // open() applies the umask; the caller's bits are what it asked for.
        fchmod(descriptor, permissions)
        close(descriptor)
        let stopping = inProgress.withLock { state in
            if !state.stopping { state.paths.insert(temporary) }
            return state.stopping
        }
        if stopping {
            // The process is being stopped (removeTemporaryFiles): nothing more is written.
            unlink(temporary)
            throw SkillMetricsError.fileAccess(path: path, reason: "the process is stopping; nothing was written")
        }
        return temporary
    }

    /// Flushes a file's bytes to disk.
    static func syncFile(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw SkillMetricsError.fileAccess(path: path, reason: "cannot open to sync (\(errorText()))")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw SkillMetricsError.fileAccess(path: path, reason: "fsync failed (\(errorText()))")
        }
    }

    /// Flushes the directory entry of `path` (best effort: not every file system allows it).
    static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let descriptor = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if descriptor >= 0 {
            _ = fsync(descriptor)
            close(descriptor)
        }
    }

    /// Removes `path` and the SQLite files that may stand beside it.
    static func removeWithSidecars(_ path: String) {
        unlink(path)
        removeSidecars(path)
        inProgress.withLock { _ = $0.paths.remove(path) }
    }

    /// Removes `path-wal`, `path-shm` and `path-journal`.
    static func removeSidecars(_ path: String) {
        for suffix in ["-wal", "-shm", "-journal"] { unlink(path + suffix) }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
