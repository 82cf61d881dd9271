import Foundation

/// Replaces a file atomically: the bytes go to a temporary file in the same directory, are
/// flushed to disk, and the temporary file is renamed over the target. Readers see the old
/// file or the new one, never a partial one (the legacy tracker rewrote its file in place).
public enum AtomicFileWriter {
    /// Writes `bytes` to `path`. An existing file's permission bits are kept (new files: 0644).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = (directory as NSString).appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
        var mode: mode_t = 0o644
        var info = stat()
        if stat(path, &info) == 0 { mode = info.st_mode & 0o7777 }
        let descriptor = open(temporary, O_CREAT | O_EXCL | O_WRONLY, mode)
        guard descriptor >= 0 else {
            throw SkillMetricsError.fileAccess(path: path, reason: "cannot create a temporary file beside it (\(String(cString: strerror(errno))))")
        }
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count, let base = buffer.baseAddress {
                let written = Foundation.write(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if failure == nil && rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw SkillMetricsError.fileAccess(path: path, reason: "cannot write the file (\(failure))")
        }
        let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}
