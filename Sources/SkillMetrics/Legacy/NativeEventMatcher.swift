import GRDB

/// Recognises, among a legacy file's entries, the log's own events that a rollback or
/// `export-json` wrote into that file, so that importing the file again appends them once.
///
/// An event appended to the log (not imported) has an id of its own and no
/// `user_context.legacy`; export writes it as a legacy entry, whose import id
/// (``LegacyEventBuilder/eventID(dialect:invokedAt:position:skillName:finished:)``) is not that
/// event's. Without this, `import-json` (or `cutover`'s final import) of a rolled-back file would
/// append every such event a second time, in an append-only log.
///
/// An entry is such an event when it is exactly what export writes for it
/// (``LegacyEventBuilder/invocation(for:dialect:zone:)``): skill, `invoked_at` text, workflow
/// path, completion, duration, follow-ups and error type (and session for session-buddy), texts
/// compared by their bytes. Each event answers for at most one entry. Every event of the log
/// without a legacy origin in the file's dialect is a candidate, however old: a file rolled back
/// once keeps those entries in every later version. Finding them is one scan of the table that
/// decodes only such events (nothing when the log holds none).
struct NativeEventMatcher {
    private let dialect: LegacyDialect
    private let zone: LegacyTimeZone
    /// Candidates by skill and rendered `invoked_at` (`skill \0 text`): their seqs, ascending.
    private var candidates: [ExactText: [Int64]] = [:]

    /// Collects the log's finished events that carry no legacy origin in `dialect`.
    init(_ db: Database, dialect: LegacyDialect, zone: LegacyTimeZone) throws {
        self.dialect = dialect
        self.zone = zone
        // What LegacyEventBuilder's compact user_context of an imported event starts with.
        let importedPrefix = #"{"legacy":{"dialect":"\#(dialect.rawValue)","#
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT \(EventLog.columns) FROM skill_invocation
            WHERE finished = 1 AND (user_context IS NULL OR substr(user_context, 1, ?) IS NOT ?)
            ORDER BY seq
            """, arguments: [importedPrefix.utf8.count, importedPrefix])
        while let row = try cursor.next() {
            let stored = try EventLog.decode(row)
            guard LegacyEventBuilder.origin(of: stored.event)?.dialect != dialect else { continue }
            let rendered = LegacyEventBuilder.invocation(for: stored.event, dialect: dialect, zone: zone)
            candidates[Self.key(rendered.skillName, rendered.invokedAt), default: []].append(stored.seq)
        }
    }

    /// Whether any event is still unclaimed.
    var isEmpty: Bool { candidates.isEmpty }

    /// The smallest seq of an event no entry claimed: the file does not account for the log
    /// from there on (what `legacy_import.log_seq` records, minus one).
    var firstUnclaimedSeq: Int64? {
        candidates.values.compactMap(\.first).min()
    }

    /// Claims the event `entry` was exported from, if there is one; `id` is the id the import
    /// gives the entry (an entry whose id the log already holds is never a candidate).
    mutating func claim(_ entry: LegacyInvocation, id: String, in db: Database) throws -> Bool {
        guard !candidates.isEmpty, !entry.isPending(in: dialect) else { return false }
        let key = Self.key(entry.skillName, entry.invokedAt)
        guard let seqs = candidates[key], try EventLog.fetch(id: id, in: db) == nil else { return false }
        for (index, seq) in seqs.enumerated() {
            guard let stored = try EventLog.fetch(seq: seq, in: db) else { continue }
            let rendered = LegacyEventBuilder.invocation(for: stored.event, dialect: dialect, zone: zone)
            guard same(rendered, entry) else { continue }
            var rest = seqs
            rest.remove(at: index)
            candidates[key] = rest.isEmpty ? nil : rest
            return true
        }
        return false
    }

    private static func key(_ skill: String, _ invokedAt: String) -> ExactText {
        ExactText(skill + "\u{0}" + invokedAt)
    }

    /// Field for field what export wrote (session-buddy's extra fields are not the event's).
    private func same(_ rendered: LegacyInvocation, _ entry: LegacyInvocation) -> Bool {
        ExactText.same(rendered.skillName, entry.skillName)
            && ExactText.same(rendered.invokedAt, entry.invokedAt)
            // crackerjack's format has no session: an event's is not written, so not compared.
            && (dialect == .crackerjack || ExactText.same(rendered.sessionID, entry.sessionID))
            && ExactText.same(rendered.workflowPath, entry.workflowPath)
            && rendered.completed == entry.completed
            && rendered.durationSeconds == entry.durationSeconds
            && entry.durationLiteral == nil
            && ExactText.same(rendered.followUpActions, entry.followUpActions)
            && ExactText.same(rendered.errorType, entry.errorType)
    }
}
