import Foundation
import Synchronization

/// A started invocation: remembers the start time and appends exactly one event when completed.
///
/// Obtain one from ``SkillMetricsStore/trackInvocation(skill:workflowPath:sessionID:)``.
/// ``complete(completed:followUpActions:errorType:)`` appends the event; a second call throws
/// ``SkillMetricsError/alreadyCompleted(id:)`` and counts nothing. Safe to share across threads.
public final class InvocationHandle: Sendable {
    /// The event id the completion will carry.
    public let id: String
    public let skillName: String
    public let workflowPath: String?
    public let sessionID: String?
    /// When tracking started (wall clock, stored as `invoked_at`).
    public let invokedAt: Timestamp
    /// When tracking started on the monotonic clock, which the duration is measured on.
    private let started: ContinuousClock.Instant
    private let store: SkillMetricsStore
    private let isCompleted = Mutex(false)

    init(store: SkillMetricsStore, skillName: String, workflowPath: String?, sessionID: String?,
         wallClock: () -> Timestamp = Timestamp.now) {
        self.store = store
        self.id = UUID().uuidString.lowercased()
        self.skillName = skillName
        self.workflowPath = workflowPath
        self.sessionID = sessionID
        self.invokedAt = wallClock()
        self.started = ContinuousClock.now
    }

    /// Appends the finished invocation. `duration_seconds` is the time since tracking started
    /// (for abandoned calls too, as the legacy tracker did), measured on the monotonic clock:
    /// a wall-clock step (NTP, a manual change) between start and completion never makes it
    /// negative or wrong.
    @discardableResult
    public func complete(
        completed: Bool = true, followUpActions: [String] = [], errorType: String? = nil
    ) throws -> SkillInvocation {
        try isCompleted.withLock { done throws -> SkillInvocation in
            if done { throw SkillMetricsError.alreadyCompleted(id: id) }
            let elapsed = started.duration(to: ContinuousClock.now).components
            let seconds = max(0, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
            let event = SkillInvocation(
                id: id, skillName: skillName, invokedAt: invokedAt, workflowPath: workflowPath,
                completed: completed,
                durationSeconds: seconds,
                errorType: errorType, sessionID: sessionID, followUpActions: followUpActions)
            try store.append(event)
            done = true
            return event
        }
    }
}

extension SkillMetricsStore {
    /// Starts tracking an invocation; nothing is written until the handle is completed.
    public func trackInvocation(skill: String, workflowPath: String? = nil, sessionID: String? = nil) -> InvocationHandle {
        InvocationHandle(store: self, skillName: skill, workflowPath: workflowPath, sessionID: sessionID)
    }
}
