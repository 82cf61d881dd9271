import Foundation
import GRDB
import Logging
import Synchronization

/// The SkillMetrics database: an append-only event log with live projections.
///
/// Opening a store read-write creates the file if needed (readable by its owner only), puts it
/// in WAL mode with `synchronous=NORMAL` and a busy timeout, and migrates it to the latest
/// schema (the version is checked on a read first, so an up-to-date file takes no write lock).
/// Opening it ``Options/AccessMode/readOnly`` never creates, migrates or writes the file.
/// All access goes through closure-scoped reads and writes; the SQLite handle never escapes.
/// Safe to use from many threads and processes at once.
public final class SkillMetricsStore: Sendable {
    /// Options for opening a store.
    public struct Options: Sendable {
        /// How a store opens its file.
        public enum AccessMode: Sendable, Equatable {
            /// Creates the file when missing and migrates it (when ``Options/migrate`` is true).
            case readWrite
            /// Opens an existing file with a read-only SQLite connection: a missing file is a
            /// ``SkillMetricsError/fileAccess(path:reason:)`` (nothing is created), and with
            /// ``Options/migrate`` true a schema older than this build's is
            /// ``SkillMetricsError/schemaNeedsMigration(path:version:latestVersion:)``
            /// (the file is left as it was). Every write fails.
            case readOnly
        }

        /// Read-write (default) or read-only.
        public var access: AccessMode = .readWrite
        /// Read-write: migrate to the latest schema on open (default true). Read-only: require
        /// the latest schema (false: accept any known version, for `health` and `migrate status`).
        public var migrate: Bool = true
        /// Read-write: create the file when it is missing (default true). False for callers
        /// that work on a log that must already be there (`rebuild`, `push`, `rollback`,
        /// `migrate status`…): a missing file is then the read-only open's error and nothing is
        /// created. Read-only opens never create.
        public var createIfMissing: Bool = true
        /// What opening does about the file's schema against the one its recorded migrations
        /// create (``SchemaConformance``).
        public enum SchemaCheck: Sendable, Equatable {
            /// No comparison (the default).
            case none
            /// Any difference is ``SkillMetricsError/schemaMismatch(path:differences:)``.
            case refuseAny
            /// A table difference (a column, its type or a constraint: what keeps stored values
            /// sound) is refused; differences in triggers, indexes and views are kept in
            /// ``SkillMetricsStore/schemaDifferences`` for a check command to report (an
            /// audit must still run on a file whose immutability triggers were dropped).
            case refuseTables
        }

        /// Compare the schema on open (default: no). A read-write open compares before it
        /// writes anything (no WAL switch, no migration) and refuses any difference with either
        /// of the two refusing modes: a write must not go into a schema that lost a trigger or
        /// constraint, nor into one the migrations did not make.
        public var schemaCheck: SchemaCheck = .none
        /// Where migrations come from.
        public var migrations: MigrationSource = .embedded
        /// How long a connection waits on a lock before SQLITE_BUSY (seconds).
        public var busyTimeout: TimeInterval = 5
        /// Queries slower than this log a warning (seconds).
        public var slowQueryThreshold: TimeInterval = 0.1
        /// Where log messages go.
        public var logger: Logger = Logger(label: "skill-metrics")

        public init() {}
    }

    /// The database file path.
    public let path: String
    /// The migrations this store knows.
    public let migrationRunner: MigrationRunner
    let pool: DatabasePool
    let options: Options
    private let toleratedDifferences = Mutex<[SchemaDifference]>([])
    /// True when a read-write open compared the schema before opening the file for writing.
    private let schemaCheckedBeforeWriting: Bool

    /// The schema differences (triggers, indexes, views) that opening with
    /// ``Options/SchemaCheck/refuseTables`` found and let through; empty otherwise.
    public var schemaDifferences: [SchemaDifference] { toleratedDifferences.withLock { $0 } }

    /// Default database location, relative to the current directory.
    public static let defaultPath = ".session-buddy/skill_metrics.db"

    /// Throws ``SkillMetricsError/fileAccess(path:reason:)`` naming `path` when no database file
    /// is there (or a directory is); creates nothing.
    private static func requireExistingFile(at path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SkillMetricsError.fileAccess(path: path, reason: "no such database file (nothing was created; check --db, or create it with `skill-metrics migrate`)")
        }
        if isDirectory.boolValue {
            throw SkillMetricsError.fileAccess(path: path, reason: "is a directory, not a database file")
        }
    }

    /// Throws ``SkillMetricsError/fileAccess(path:reason:)`` when something other than a
    /// regular file (after symbolic links) is at `path`: SQLite would block on a FIFO's open
    /// and fail on a device with "disk I/O error".
    private static func requireRegularFileIfPresent(at path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        let kind = status.st_mode & S_IFMT
        guard kind != S_IFREG, kind != S_IFDIR else { return }  // a directory has its own message
        let name = kind == S_IFIFO ? "a FIFO" : kind == S_IFSOCK ? "a socket" : kind == S_IFCHR || kind == S_IFBLK ? "a device" : "not a regular file"
        throw SkillMetricsError.fileAccess(path: path, reason: "is \(name), not a database file")
    }

    /// Whether `path` is a WAL-mode SQLite file (header bytes 18 and 19 are 2) without its
    /// `-shm` file, in a directory this process cannot write: a read-only connection cannot
    /// create the shared-memory file it needs.
    private static func isWALFileInReadOnlyDirectory(_ path: String) -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        guard access(directory.isEmpty ? "." : directory, W_OK) != 0,
              !FileManager.default.fileExists(atPath: path + "-shm"),
              let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 20), header.count == 20 else { return false }
        return header[header.startIndex + 18] == 2 && header[header.startIndex + 19] == 2
    }

    /// The names of the tables in the SQLite file at `path` (not SQLite's own), read through a
    /// read-only connection; nil when such a connection cannot read it yet (a hot rollback
    /// journal, a lock, no file).
    static func tableNames(at path: String, busyTimeout: TimeInterval = 5) throws -> [String]? {
        try readBeforeOpening(path, busyTimeout: busyTimeout) { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
    }

    /// `body` on a read-only connection to `path`, closed after: the checks that run before
    /// the store opens (and, read-write, would switch the file to WAL or migrate it). Nil when
    /// such a connection cannot read the file yet (a hot rollback journal, which only a
    /// read-write connection rolls back; a lock; no file); any other SQLite error names the
    /// file as not a usable database.
    private static func readBeforeOpening<T>(_ path: String, busyTimeout: TimeInterval, _ body: (Database) throws -> T) throws -> T? {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read(body)
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_READONLY_ROLLBACK
            || error.resultCode == .SQLITE_CANTOPEN || error.resultCode == .SQLITE_BUSY {
            return nil
        } catch let error as DatabaseError {
            throw SkillMetricsError.notASkillMetricsDatabase(path: path, reason: error.message ?? "\(error)")
        }
    }

    /// Whether the SQLite file at `path` holds no table at all (an empty file, or one a
    /// command created and failed to migrate); false when it cannot be read.
    public static func holdsNoTables(at path: String) -> Bool {
        ((try? tableNames(at: path)) ?? nil)?.isEmpty == true
    }

    /// For an open that must find a log (read-write without ``Options/createIfMissing``, or a
    /// read-only one that accepts any version): throws
    /// ``SkillMetricsError/notASkillMetricsDatabase(path:reason:)`` when the file holds no
    /// `schema_migrations` table — an empty file, or another program's database — before
    /// anything writes to it (a read-write open switches the file to WAL). A file a read-only
    /// connection cannot read yet (a hot rollback journal, a lock) is left to the open.
    ///
    /// `emptyAllowed`: an empty database passes (a read command then says to run `migrate`,
    /// which works on it); another program's database never does (`migrate` refuses it too).
    private static func requireLog(at path: String, options: Options, emptyAllowed: Bool = false) throws {
        guard let tables = try tableNames(at: path, busyTimeout: options.busyTimeout) else { return }
        if tables.contains("schema_migrations") { return }
        if tables.isEmpty {
            if emptyAllowed { return }
            throw SkillMetricsError.notASkillMetricsDatabase(
                path: path, reason: "it holds no SkillMetrics log yet (an empty database; nothing was changed); create one with `skill-metrics migrate --db \(path)`")
        }
        if tables.contains("skill_invocation") {
            throw SkillMetricsError.notASkillMetricsDatabase(
                path: path, reason: "it holds a skill_invocation table but no schema_migrations table, so its schema cannot be known (changed outside SkillMetrics, or damaged); nothing was changed")
        }
        let named = tables.prefix(3).joined(separator: ", ") + (tables.count > 3 ? ", …" : "")
        throw SkillMetricsError.notASkillMetricsDatabase(
            path: path, reason: "it holds another program's tables (\(named)) and no SkillMetrics log (no schema_migrations table); nothing was changed")
    }

    /// Opens the database at `path`: read-write (created and migrated when needed) or
    /// read-only, as ``Options/access`` says.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        self.options = options
        self.migrationRunner = try MigrationRunner(source: options.migrations)
        let readOnly = options.access == .readOnly
        try Self.requireRegularFileIfPresent(at: path)
        if readOnly || !options.createIfMissing {
            try Self.requireExistingFile(at: path)
        }
        if !options.createIfMissing || readOnly {
            try Self.requireLog(at: path, options: options, emptyAllowed: readOnly && options.migrate)
        }
        // Compared before anything opens the file for writing (which would switch it to WAL
        // and migrate it): an altered or foreign file is refused unchanged.
        if !readOnly && options.schemaCheck != .none {
            schemaCheckedBeforeWriting = try Self.checkSchemaBeforeWriting(at: path, runner: migrationRunner, options: options)
        } else {
            schemaCheckedBeforeWriting = false
        }
        if !readOnly {
            try Self.prepareFile(at: path)
            // Before any connection opens: the WAL of this file is written in large pieces.
            WALWriteCoalescing.enable(forDatabaseAt: path)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(options.busyTimeout)
        configuration.label = "SkillMetrics"
        configuration.readonly = readOnly
        configuration.prepareDatabase { db in
            if !readOnly {
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // The WAL is copied back into the file once it holds 10,000 pages (40 MiB with
                // 4 KiB pages) instead of SQLite's 1,000: a 1,000-event batch on `real` dirties
                // ~1,300 pages, so with the default every commit ran a checkpoint (and its
                // fsync), copying again the pages every batch rewrites (the indexes' inner
                // pages and right edges, the projection rows). Batched appends of 50k `real`
                // events: ~15 % faster (docs/performance.md).
                _ = try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint = 10000")
            }
            // Statement journals in memory: every plain INSERT with triggers runs in one, and
            // with temporary files a projection trigger's journal that outgrows 64 KiB is
            // spilled to a new file in /var/tmp (open, write, unlink: on 60 of 300 single
            // appends of the adversarial workload). A load into an empty log switches to files
            // for its transaction (``writeWithTemporaryFiles(_:)``).
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        do {
            // A read-write pool switches the file to WAL as it opens, which waits for a load
            // running with the rollback journal (RollbackJournal) to commit: retried as writes are.
            pool = try Self.withBusyRetry(logger: options.logger) {
                try Self.openPool(path: path, configuration: configuration)
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw SkillMetricsError.database(
                operation: "opening \(path)",
                message: "another connection kept the file locked through every retry (\(error.message ?? "\(error)")); try again when its write is done")
        } catch let error as DatabaseError {
            if readOnly, Self.isWALFileInReadOnlyDirectory(path) {
                throw SkillMetricsError.fileAccess(
                    path: path,
                    reason: "cannot be read here: the file is in WAL mode and its directory is not writable, and SQLite must create \((path as NSString).lastPathComponent)-shm beside it even to read (\(error.message ?? "\(error)")); make the directory writable, or read a copy")
            }
            throw SkillMetricsError.notASkillMetricsDatabase(path: path, reason: error.message ?? "\(error)")
        }
        do {
            try openChecks(readOnly: readOnly)
        } catch let error as DatabaseError {
            throw SkillMetricsError.notASkillMetricsDatabase(path: path, reason: error.message ?? "\(error)")
        }
    }

    /// The pool on `path`. A read-only pool that finds a hot rollback journal — left by a load
    /// killed while it ran with that journal (``RollbackJournal``), which only a read-write
    /// connection can roll back — has it rolled back first (``rollBackInterruptedWrite(at:)``).
    private static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
        do {
            return try DatabasePool(path: path, configuration: configuration)
        } catch let error as DatabaseError where configuration.readonly && error.extendedResultCode == .SQLITE_READONLY_ROLLBACK {
            try rollBackInterruptedWrite(at: path)
            return try DatabasePool(path: path, configuration: configuration)
        }
    }

    /// Rolls back the hot rollback journal that an interrupted write left beside `path`
    /// (a load into an empty log runs with that journal, see ``RollbackJournal``) and puts the
    /// file back in WAL mode: what SQLite does on the first read of any read-write connection.
    /// It restores the file's last committed state and changes nothing else; when the file
    /// cannot be opened for writing, the error says what to do.
    private static func rollBackInterruptedWrite(at path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.writeWithoutTransaction { db in
                _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            }
            try queue.close()
        } catch let error as DatabaseError {
            throw SkillMetricsError.notASkillMetricsDatabase(
                path: path,
                reason: "an interrupted write left a rollback journal (\(path)-journal) that only a read-write open can roll back, and that failed: \(error.message ?? "\(error)"); run a write command on the file (e.g. `skill-metrics migrate`) where it is writable")
        }
    }

    /// Compares the schema of an existing, non-empty file at `path` with the one its recorded
    /// migrations create, through a read-only connection, and throws
    /// ``SkillMetricsError/schemaMismatch(path:differences:)`` on any difference (a changed
    /// migration history is ``SkillMetricsError/migration(_:)``); nothing is written. Returns
    /// false when there was nothing to compare yet (no file, an empty one) or a read-only
    /// connection cannot read it (a hot rollback journal, which only a read-write connection
    /// rolls back): the comparison then runs after opening, before any migration.
    private static func checkSchemaBeforeWriting(at path: String, runner: MigrationRunner, options: Options) throws -> Bool {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size > 0 else { return false }
        guard let differences = try readBeforeOpening(path, busyTimeout: options.busyTimeout, { db in
            try SchemaConformance(runner: runner).differences(db)
        }) else { return false }
        if !differences.isEmpty { throw SkillMetricsError.schemaMismatch(path: path, differences: differences) }
        return true
    }

    /// The version check (on a read, so that an up-to-date file takes no write lock), the
    /// schema comparison when asked for (for a read-write open, before any migration), and the
    /// migration when one is due.
    private func openChecks(readOnly: Bool) throws {
        let runner = migrationRunner
        let state = try read { db -> (version: Int, problem: MigrationProblem?) in
            (try runner.currentVersion(db), try runner.validate(db).first)
        }
        if !readOnly && options.schemaCheck != .none && !schemaCheckedBeforeWriting {
            // `differences` throws the migration history's first problem itself.
            let differences = try read { db in try SchemaConformance(runner: runner).differences(db) }
            if !differences.isEmpty { throw SkillMetricsError.schemaMismatch(path: path, differences: differences) }
        }
        if options.migrate {
            if let problem = state.problem { throw SkillMetricsError.migration(problem) }
            if state.version < runner.latestVersion {
                if readOnly {
                    throw SkillMetricsError.schemaNeedsMigration(path: path, version: state.version, latestVersion: runner.latestVersion)
                }
                _ = try withBusyRetry { try runner.migrate(pool) }
            }
        }
        if options.schemaCheck == .none || !readOnly { return }
        let differences = try read { db in try SchemaConformance(runner: runner).differences(db) }
        let refused = options.schemaCheck == .refuseAny ? differences : differences.filter { $0.kind == "table" }
        if !refused.isEmpty { throw SkillMetricsError.schemaMismatch(path: path, differences: refused) }
        toleratedDifferences.withLock { $0 = differences }
    }

    /// Creates the parent directory and an empty owner-only file when none exists, so that
    /// SQLite (and its -wal/-shm files, which copy the mode) never create a world-readable file.
    static func prepareFile(at path: String) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: path) { return }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !manager.fileExists(atPath: directory) {
            do {
                try manager.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])
            } catch {
                throw SkillMetricsError.fileAccess(path: directory, reason: "cannot create the directory (\(error.localizedDescription))")
            }
        }
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        if descriptor >= 0 {
            close(descriptor)
        } else if errno != EEXIST {
            throw SkillMetricsError.fileAccess(path: path, reason: "cannot create the database file (\(String(cString: strerror(errno))))")
        }
    }

    /// Runs `body` in a read transaction on a consistent snapshot.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try withBusyRetry { try pool.read(body) }
    }

    /// Runs `body` in an IMMEDIATE write transaction, retrying a bounded number of times with
    /// jitter when another writer holds the lock past the busy timeout.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        try withBusyRetry {
            try pool.write { db in
                try WriterBulkMode.leave(db)
                return try body(db)
            }
        }
    }

    /// ``write(_:)`` for one batch of EventLog's typed appends that keeps the writer's bulk
    /// mode (``WriterBulkMode``): `body` must be `EventLog.appendBatch(…, keepingBulkMode: true)`
    /// and nothing else, which sets the mode it needs itself.
    func writeBatch<T>(_ body: (Database) throws -> T) throws -> T {
        try withBusyRetry { try pool.write(body) }
    }

    /// Runs `body` on the writer connection outside of a transaction (for work that manages
    /// its own transactions, such as migrations and batched appends).
    func writeWithoutTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        try withBusyRetry {
            try pool.writeWithoutTransaction { db in
                try WriterBulkMode.leave(db)
                return try body(db)
            }
        }
    }

    /// Retries `body` on SQLITE_BUSY / SQLITE_LOCKED, and on SQLITE_SCHEMA (another connection
    /// changed the schema while a statement was being re-prepared; seen under heavy load while
    /// other processes open the database), up to `attempts` times, sleeping a random 5–50 ms
    /// (growing) between attempts. The failed transaction was rolled back, so `body` runs again
    /// from the start. Any other error is thrown at once.
    func withBusyRetry<T>(attempts: Int = 8, _ body: () throws -> T) throws -> T {
        try Self.withBusyRetry(logger: options.logger, attempts: attempts, body)
    }

    /// ``withBusyRetry(attempts:_:)`` before the store exists (opening the pool).
    private static func withBusyRetry<T>(logger: Logger, attempts: Int = 8, _ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let error as DatabaseError
                        where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
                               || error.resultCode == .SQLITE_SCHEMA)
                        && attempt + 1 < attempts {
                attempt += 1
                let milliseconds = UInt32.random(in: 5...50) * UInt32(attempt)
                logger.debug("database busy, retrying", metadata: ["attempt": "\(attempt)"])
                usleep(milliseconds * 1000)
            }
        }
    }

    /// Logs a warning when `body` takes longer than the slow-query threshold.
    func timed<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if seconds > options.slowQueryThreshold {
            options.logger.warning("slow query", metadata: [
                "query": "\(name)", "milliseconds": "\(Int(seconds * 1000))",
            ])
        }
        return result
    }

    /// The current schema version.
    public func schemaVersion() throws -> Int {
        try read { db in try migrationRunner.currentVersion(db) }
    }
}
