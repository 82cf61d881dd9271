import Foundation

/// The largest inputs the readers accept, so that a huge or endless input is an error naming
/// it instead of memory growing without bound.
public enum InputLimits {
    /// The longest JSONL line (one event) ``LineReader`` and ``JSONLEventDecoder`` accept: 16 MiB.
    public static let maximumLineBytes = 16 << 20
    /// The largest legacy JSON file the legacy reader accepts: 1 GiB (a 1M-invocation file is
    /// about 300 MB).
    public static let maximumLegacyFileBytes: Int64 = 1 << 30

    /// Throws ``SkillMetricsError/fileAccess(path:reason:)`` when the file at `path` is larger
    /// than `limit` bytes; a file that cannot be inspected is left to the reader's own error.
    public static func checkFileSize(_ path: String, limit: Int64 = maximumLegacyFileBytes) throws(SkillMetricsError) {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value else {
            return
        }
        if size > limit {
            throw .fileAccess(path: path, reason: "is \(size) bytes, larger than the \(limit)-byte limit for one legacy JSON file")
        }
    }
}
