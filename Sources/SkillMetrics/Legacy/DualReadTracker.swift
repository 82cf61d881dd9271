import Foundation
import Logging
import Synchronization

/// Phase 3 of the migration: serve reads from the database and compare each with the legacy
/// JSON file, which is still written.
///
/// Every read returns the database's answer. The same skill is then looked up in the JSON
/// file's `skills` and compared field by field (``LegacyValidator``); differences go to the
/// `onMismatch` callback and the counters, never to an assertion or a thrown error. A JSON file
/// that cannot be read or parsed counts as a comparison failure (logged). Safe to share
/// across threads.
public final class DualReadTracker: Sendable {
    public struct Counters: Sendable, Equatable {
        /// Reads served from the database.
        public var reads = 0
        /// Reads whose JSON side was compared.
        public var comparisons = 0
        /// Comparisons that found a mismatch (warnings excluded).
        public var mismatches = 0
        /// Comparisons that found only warnings (tied completions).
        public var warnings = 0
        /// Comparisons that could not be made (JSON file unreadable).
        public var failures = 0
    }

    public let store: SkillMetricsStore
    public let jsonPath: String
    public let timeZone: LegacyTimeZone
    private let onMismatch: @Sendable (String, [LegacyFieldDifference]) -> Void
    private let logger: Logger
    private let state = Mutex(Counters())

    /// `onMismatch` is called with the skill and its differences (warnings included).
    public init(
        store: SkillMetricsStore, jsonPath: String, timeZone: LegacyTimeZone,
        logger: Logger = Logger(label: "skill-metrics.dual-read"),
        onMismatch: @escaping @Sendable (String, [LegacyFieldDifference]) -> Void = { _, _ in }
    ) {
        self.store = store
        self.jsonPath = jsonPath
        self.timeZone = timeZone
        self.logger = logger
        self.onMismatch = onMismatch
    }

    public var counters: Counters { state.withLock { $0 } }

    /// The skill's metrics from the database (nil when it has none), compared with the file.
    public func metrics(for skill: String) throws -> SkillMetricsRow? {
        let row = try SkillMetricsQueries(store: store).metrics(for: skill)
        state.withLock { $0.reads += 1 }
        compare(skill: skill, row: row)
        return row
    }

    private func compare(skill: String, row: SkillMetricsRow?) {
        let document: LegacyDocument
        do {
            try InputLimits.checkFileSize(jsonPath)
            document = try LegacyDocument.load(path: jsonPath, dialect: .crackerjack)
        } catch {
            state.withLock { $0.failures += 1 }
            logger.warning("dual-read: cannot read the JSON side", metadata: ["file": "\(jsonPath)", "error": "\(error)"])
            return
        }
        var filtered = document
        filtered.skills = document.skills.filter { ExactText($0.key) == ExactText(skill) }
        let differences = LegacyValidator.compare(database: row.map { [$0] } ?? [], document: filtered, zone: timeZone)
        let mismatch = differences.contains { $0.severity == .mismatch }
        state.withLock { counters in
            counters.comparisons += 1
            if mismatch { counters.mismatches += 1 } else if !differences.isEmpty { counters.warnings += 1 }
        }
        if !differences.isEmpty {
            logger.info("dual-read: database and JSON differ", metadata: ["skill": "\(skill)", "fields": "\(differences.map(\.field))"])
            onMismatch(skill, differences)
        }
    }
}
