import Foundation
import Logging
import Synchronization

/// Phase 1 of the migration: a drop-in for the legacy crackerjack tracker that writes the
/// legacy JSON file (still the source of truth) and the event log.
///
/// The file is written exactly as the legacy tracker writes it (pending entry on
/// ``trackInvocation(skill:workflowPath:)``, completion folded into `skills`, `last_updated`),
/// but atomically (temporary file + rename). After the file is saved the event is appended to
/// the database with the id and `user_context` that `import-json` would give the same entry,
/// so a later import of the file finds it already present. A database failure is logged and
/// counted (``databaseFailures``), never thrown: the JSON file stays the source of truth and
/// the next `import-json` repairs the log. A file that cannot be read or written is thrown.
/// Safe to share across threads (state behind a `Mutex`).
public final class DualWriteTracker: Sendable {
    /// A started invocation: its position in the file's list.
    public struct Handle: Sendable, Equatable {
        public let position: Int
        public let skillName: String
        /// `invoked_at` as written (naive local time).
        public let invokedAt: String
    }

    public let jsonPath: String
    public let store: SkillMetricsStore
    public let timeZone: LegacyTimeZone
    private let logger: Logger

    private struct State {
        var document: LegacyDocument
        var databaseWrites = 0
        var databaseFailures = 0
        var lastDatabaseError: String?
    }

    private let state: Mutex<State>

    /// Loads the legacy file at `jsonPath` (an absent file starts empty; a malformed one is an
    /// error, never reset). `timeZone` is the zone the file's naive times are in.
    public init(jsonPath: String, store: SkillMetricsStore, timeZone: LegacyTimeZone, logger: Logger = Logger(label: "skill-metrics.dual-write")) throws {
        self.jsonPath = jsonPath
        self.store = store
        self.timeZone = timeZone
        self.logger = logger
        var document = LegacyDocument(dialect: .crackerjack)
        if FileManager.default.fileExists(atPath: jsonPath) {
            try InputLimits.checkFileSize(jsonPath)
            document = try LegacyDocument.load(path: jsonPath, dialect: .crackerjack)
        }
        state = Mutex(State(document: document))
    }

    /// Events appended to the database so far.
    public var databaseWrites: Int { state.withLock { $0.databaseWrites } }
    /// Database appends that failed (logged, not thrown).
    public var databaseFailures: Int { state.withLock { $0.databaseFailures } }
    /// The last database error, if any.
    public var lastDatabaseError: String? { state.withLock { $0.lastDatabaseError } }

    /// Appends a pending entry and saves the file (the legacy tracker only saved on completion;
    /// saving here keeps the pending fact if the process dies before completing).
    public func trackInvocation(skill: String, workflowPath: String? = nil) throws -> Handle {
        try state.withLock { state in
            let invokedAt = timeZone.local(from: Timestamp.now()).pythonISOFormat
            var document = state.document
            document.invocations.append(LegacyInvocation(
                skillName: skill, invokedAt: invokedAt, workflowPath: workflowPath,
                completed: false, durationSeconds: nil))
            document.lastUpdated = invokedAt  // the time of this save
            try AtomicFileWriter.write(Array(try document.serialized().utf8), to: jsonPath)
            state.document = document
            return Handle(position: document.invocations.count - 1, skillName: skill, invokedAt: invokedAt)
        }
    }

    /// Completes a tracked invocation: updates the file (source of truth), then appends the
    /// event. Completing twice throws ``SkillMetricsError/alreadyCompleted(id:)`` and counts nothing.
    public func complete(_ handle: Handle, completed: Bool = true, followUpActions: [String] = [], errorType: String? = nil) throws {
        // The database append happens under the same lock as the file write, so the log gets
        // completions in the order the file folded them (its projections then match `skills`).
        try state.withLock { state in
            var document = state.document
            guard document.invocations.indices.contains(handle.position),
                  document.invocations[handle.position].invokedAt == handle.invokedAt,
                  document.invocations[handle.position].isPending(in: .crackerjack)
            else {
                throw SkillMetricsError.alreadyCompleted(id: "\(jsonPath) invocations[\(handle.position)]")
            }
            let now = timeZone.local(from: Timestamp.now())
            let start = LocalDateTime.parse(handle.invokedAt)?.microsecondsAsUTC ?? now.microsecondsAsUTC
            var invocation = document.invocations[handle.position]
            invocation.completed = completed
            invocation.followUpActions = followUpActions
            invocation.errorType = errorType
            invocation.durationSeconds = Double(now.microsecondsAsUTC - start) / 1_000_000
            document.invocations[handle.position] = invocation
            // By bytes, as the legacy tracker's Python dict keys compare.
            if let index = document.skills.firstIndex(where: { ExactText($0.key) == ExactText(invocation.skillName) }) {
                document.skills[index].fold(invocation)
            } else {
                var skill = LegacySkill(newSkill: invocation.skillName)
                skill.fold(invocation)
                document.skills.append(skill)
            }
            document.lastUpdated = now.pythonISOFormat
            try AtomicFileWriter.write(Array(try document.serialized().utf8), to: jsonPath)
            state.document = document
            do {
                let event = try LegacyEventBuilder.event(
                    for: invocation, position: handle.position, dialect: .crackerjack, zone: timeZone)
                try store.append(event)
                state.databaseWrites += 1
            } catch {
                state.databaseFailures += 1
                state.lastDatabaseError = "\(error)"
                logger.error("dual-write: database append failed; the JSON file is the source of truth", metadata: [
                    "skill": "\(handle.skillName)", "position": "\(handle.position)", "error": "\(error)",
                ])
            }
        }
    }
}
