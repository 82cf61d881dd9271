import Foundation
import SkillMetrics
import Synchronization

/// The database file this run created, if any: when the command then fails, the file — still
/// a log without an event — is removed again with its `-wal`, `-shm` and `-journal` files and
/// the directory the run created for it, so that bad input leaves nothing behind, not even an
/// empty log.
///
/// A file that holds an event by then (a batch committed before a later one failed, or
/// another process that appended meanwhile) is kept, as is any file that is not a readable
/// SkillMetrics log.
enum CreatedDatabase {
    private static let created = Mutex<(path: String, directory: String?)?>(nil)

    /// Notes `path` before a read-write open that may create it (nothing when it exists).
    static func noteOpen(_ path: String) {
        let files = FileManager.default
        guard !files.fileExists(atPath: path) else { return }
        let directory = (path as NSString).deletingLastPathComponent
        let newDirectory = directory.isEmpty || files.fileExists(atPath: directory) ? nil : directory
        created.withLock { noted in
            if noted == nil { noted = (path, newDirectory) }
        }
    }

    /// After a failed command: removes what ``noteOpen(_:)`` saw created, if it holds no event.
    static func discardAfterFailure() {
        guard let noted = created.withLock({ $0 }), holdsNoEvent(noted.path) else { return }
        let files = FileManager.default
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? files.removeItem(atPath: noted.path + suffix)
        }
        if let directory = noted.directory, (try? files.contentsOfDirectory(atPath: directory))?.isEmpty == true {
            try? files.removeItem(atPath: directory)
        }
    }

    /// True when `path` opens as a SkillMetrics log with no event, or with no schema yet (a
    /// `migrate` that failed before its first migration); the store is closed when this
    /// returns. A file that cannot be opened (another connection holding it) counts as holding
    /// events.
    private static func holdsNoEvent(_ path: String) -> Bool {
        if SkillMetricsStore.holdsNoTables(at: path) { return true }
        var options = SkillMetricsStore.Options()
        options.access = .readOnly
        options.migrate = false
        options.createIfMissing = false
        guard let store = try? SkillMetricsStore(path: path, options: options) else { return false }
        if (try? store.schemaVersion()) == 0 { return true }
        return (try? SkillMetricsQueries(store: store).eventCount()) == 0
    }
}
