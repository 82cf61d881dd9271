import GRDB

/// One row of `skill_key_count` (schema V5): a key of one of a skill's count dictionaries.
public struct SkillKeyCountRow: Sendable, Equatable {
    /// The legacy dictionary names, as stored in the `field` column.
    public enum Field: String, Sendable, CaseIterable {
        case workflowPaths = "workflow_paths"
        case commonErrors = "common_errors"
        case followUpActions = "follow_up_actions"
    }

    public var skillName: String
    public var field: Field
    public var key: String
    public var count: Int
    /// Seq of the event where the key first appeared.
    public var firstSeq: Int64
    /// The key's position in that event's follow-up list (0 for the other fields).
    public var firstIndex: Int

    var databaseValues: [(column: String, value: DatabaseValue)] {
        [
            ("skill_name", skillName.databaseValue),
            ("field", field.rawValue.databaseValue),
            ("key", key.databaseValue),
            ("count", count.databaseValue),
            ("first_seq", firstSeq.databaseValue),
            ("first_index", firstIndex.databaseValue),
        ]
    }
}
