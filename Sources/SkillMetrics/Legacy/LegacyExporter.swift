import GRDB

/// Writes the event log back as a legacy JSON file (rollback, phase 5's safety net).
///
/// For a database imported from a file and not appended to since, the output is that file,
/// byte for byte. With newer events, it is the file the legacy tracker would have written had
/// it recorded them too:
/// * invocations in start order: imported entries at their original positions, then the
///   others by `invoked_at` (ties by seq); a pending entry whose completion was imported later
///   is written once, completed;
/// * imported entries keep their original `invoked_at` text; others are written in the
///   dialect's style (naive local time in the import's zone for crackerjack);
/// * `skills` folded from the log in seq order (= completion order) with the legacy rules, in
///   first-completed order;
/// * `last_updated`: the imported file's value when nothing was appended since the last
///   import; otherwise the completion time (`invoked_at + duration_seconds`) of the latest
///   event appended since, as local time in the import's zone; with no import and no events,
///   the current time.
public struct LegacyExporter: Sendable {
    public let store: SkillMetricsStore

    public struct Options: Sendable {
        /// nil: the dialect of the last import (crackerjack when none).
        public var dialect: LegacyDialect?
        /// nil: the zone of the last import (the machine's zone when none).
        public var timeZone: LegacyTimeZone?

        public init(dialect: LegacyDialect? = nil, timeZone: LegacyTimeZone? = nil) {
            self.dialect = dialect
            self.timeZone = timeZone
        }
    }

    /// What an export wrote.
    public struct Result: Sendable, Equatable {
        public var path: String
        public var dialect: LegacyDialect
        public var timeZone: String
        public var invocations: Int
        public var skills: Int
        public var lastUpdated: String?
        public var bytes: Int
    }

    public init(store: SkillMetricsStore) {
        self.store = store
    }

    /// The legacy document the log corresponds to.
    public func document(options: Options = Options()) throws -> LegacyDocument {
        try store.read { db in try Self.document(db, options: options) }
    }

    /// Writes the legacy file atomically.
    @discardableResult
    public func export(to path: String, options: Options = Options()) throws -> Result {
        let document = try document(options: options)
        let text = try document.serialized()
        let bytes = Array(text.utf8)
        try AtomicFileWriter.write(bytes, to: path)
        let zone = try options.timeZone ?? store.latestLegacyImport().map { try $0.zone() } ?? LegacyTimeZone(identifier: nil)
        return Result(
            path: path, dialect: document.dialect, timeZone: zone.identifier,
            invocations: document.invocations.count, skills: document.skills.count,
            lastUpdated: document.lastUpdated, bytes: bytes.count)
    }

    private struct Entry {
        var imported: Bool
        var position: Int
        var start: Int64
        var seq: Int64
        var key: String?
        var finished: Bool
        var invocation: LegacyInvocation
    }

    static func document(_ db: Database, options: Options) throws -> LegacyDocument {
        let latest = try SkillMetricsStore.latestLegacyImport(db)
        let dialect = options.dialect ?? latest?.dialect ?? .crackerjack
        let zone = try options.timeZone ?? latest.map { try $0.zone() } ?? LegacyTimeZone(identifier: nil)
        let importedThrough = latest?.logSeq ?? 0
        var entries: [Entry] = []
        var finishedKeys = Set<ExactText>()  // keys hold skill names: compared by their bytes
        var projector = SkillMetricsProjector()
        var lastSeq: Int64 = 0
        var lastCompletion: Int64?
        try EventLog.forEach(db) { stored in
            let event = stored.event
            lastSeq = stored.seq
            let invocation = LegacyEventBuilder.invocation(for: event, dialect: dialect, zone: zone)
            let origin = LegacyEventBuilder.origin(of: event).flatMap { $0.dialect == dialect ? $0 : nil }
            let key = origin.map { "\($0.position)\u{0}\($0.invokedAt)\u{0}\(event.skillName)" }
            if event.finished, let key { finishedKeys.insert(ExactText(key)) }
            entries.append(Entry(
                imported: origin != nil, position: origin?.position ?? 0,
                start: event.invokedAt.microsecondsSinceEpoch, seq: stored.seq, key: key,
                finished: event.finished, invocation: invocation))
            if event.finished {
                projector.apply(ProjectionEvent(
                    seq: stored.seq, skillName: event.skillName, invokedAt: invocation.invokedAt,
                    workflowPath: event.workflowPath, completed: event.completed,
                    durationSeconds: event.durationSeconds, errorType: event.errorType,
                    sessionID: event.sessionID, followUpActions: event.followUpActions, finished: true))
            }
            if stored.seq > importedThrough {
                var end = event.invokedAt.microsecondsSinceEpoch
                if let duration = event.durationSeconds, duration.isFinite, duration.magnitude < 1e9 {
                    end += Int64((duration * 1_000_000).rounded())
                }
                lastCompletion = max(lastCompletion ?? end, end)
            }
        }
        entries.removeAll { !$0.finished && $0.key.map { finishedKeys.contains(ExactText($0)) } == true }
        entries.sort { a, b in
            if a.imported != b.imported { return a.imported }
            if a.imported && a.position != b.position { return a.position < b.position }
            if !a.imported && a.start != b.start { return a.start < b.start }
            return a.seq < b.seq
        }
        var document = LegacyDocument(dialect: dialect, invocations: entries.map(\.invocation))
        if dialect == .crackerjack {
            document.skills = projector.rows.map(LegacySkill.init)
            if let latest, latest.dialect == .crackerjack, lastSeq == latest.logSeq {
                document.lastUpdated = latest.lastUpdated
            } else if let lastCompletion {
                document.lastUpdated = zone.local(from: Timestamp(microsecondsSinceEpoch: lastCompletion)).pythonISOFormat
            } else {
                document.lastUpdated = latest?.lastUpdated ?? zone.local(from: Timestamp.now()).pythonISOFormat
            }
        }
        return document
    }
}
