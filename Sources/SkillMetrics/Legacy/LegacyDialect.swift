/// The two JSON formats the legacy Python trackers wrote (docs/legacy-json.md).
public enum LegacyDialect: String, Sendable, CaseIterable {
    /// crackerjack's `.session-buddy/skill_metrics.json`: `invocations`, `skills`,
    /// `last_updated`; naive local timestamps; pending invocations are never counted.
    case crackerjack
    /// session-buddy's `export_metrics`: `invocations` only; aware UTC timestamps; every
    /// invocation counts (one that is not completed is abandoned); keeps `session_id`.
    case sessionBuddy = "session-buddy"

    /// The invocation keys, in the order the dialect writes them.
    public var invocationKeys: [String] {
        switch self {
        case .crackerjack:
            ["skill_name", "invoked_at", "workflow_path", "completed", "duration_seconds",
             "follow_up_actions", "error_type"]
        case .sessionBuddy:
            ["skill_name", "invoked_at", "session_id", "workflow_path", "completed", "duration_seconds",
             "user_query", "alternatives_considered", "selection_rank", "follow_up_actions", "error_type"]
        }
    }

    /// session-buddy's keys that have no column of their own (kept in `user_context`).
    static let sessionBuddyExtraKeys = ["user_query", "alternatives_considered", "selection_rank"]
}
