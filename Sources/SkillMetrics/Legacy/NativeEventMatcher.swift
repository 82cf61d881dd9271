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
/// once keeps those entries in every later version.
///
/// Candidates are looked up per entry through the `(skill_name, invoked_at)` index (the
/// entry's instant, and for a crackerjack time inside a DST overlap its later occurrence too),
/// and only for an entry whose own id the log lacks; a log without such events costs one
/// query that finds none.
struct NativeEventMatcher {
    private let dialect: LegacyDialect
    private let zone: LegacyTimeZone
    /// Whether the log holds any candidate at all.
    let isEmpty: Bool
    private var claimed = Set<Int64>()

    /// The condition on `skill_invocation` rows that selects candidates; its two parameters
    /// are ``candidateArguments``.
    private static let candidate = "finished = 1 AND (user_context IS NULL OR substr(user_context, 1, ?) IS NOT ?)"
    private let candidateArguments: StatementArguments
    /// The candidates at one (skill, instant), through the `(skill_name, invoked_at)` index
    /// (which must exist while entries are claimed: a bulk load's suspension of it made each
    /// lookup a scan of the log).
    private static let lookupSQL = """
        SELECT \(EventLog.columns) FROM skill_invocation
        WHERE skill_name = ? AND invoked_at = ? AND \(candidate) ORDER BY seq
        """

    /// One query (none found in an empty log or one of imported events only).
    init(_ db: Database, dialect: LegacyDialect, zone: LegacyTimeZone) throws {
        self.dialect = dialect
        self.zone = zone
        // What LegacyEventBuilder's compact user_context of an imported event starts with.
        let importedPrefix = #"{"legacy":{"dialect":"\#(dialect.rawValue)","#
        candidateArguments = [importedPrefix.utf8.count, importedPrefix]
        isEmpty = try Int64.fetchOne(
            db, sql: "SELECT seq FROM skill_invocation WHERE \(Self.candidate) LIMIT 1", arguments: candidateArguments) == nil
    }

    /// The smallest seq of a candidate no entry claimed: the file does not account for the log
    /// from there on (`legacy_import.log_seq` records the seq before it).
    func firstUnclaimedSeq(_ db: Database) throws -> Int64? {
        guard !isEmpty else { return nil }
        let cursor = try Int64.fetchCursor(
            db, sql: "SELECT seq FROM skill_invocation WHERE \(Self.candidate) ORDER BY seq", arguments: candidateArguments)
        while let seq = try cursor.next() {
            if !claimed.contains(seq) { return seq }
        }
        return nil
    }

    /// Claims the event `entry` was exported from, if there is one; `id` is the id the import
    /// gives the entry (an entry whose id the log already holds is never a candidate).
    mutating func claim(_ entry: LegacyInvocation, id: String, in db: Database) throws -> Bool {
        guard !isEmpty, !entry.isPending(in: dialect), try EventLog.fetch(id: id, in: db) == nil else { return false }
        for instant in instants(of: entry) {
            let rows = try Row.fetchAll(db.cachedStatement(sql: Self.lookupSQL), arguments: [entry.skillName, instant.canonical] + candidateArguments)
            for row in rows {
                let stored = try EventLog.decode(row)
                guard !claimed.contains(stored.seq), LegacyEventBuilder.origin(of: stored.event)?.dialect != dialect else { continue }
                guard same(LegacyEventBuilder.invocation(for: stored.event, dialect: dialect, zone: zone), entry) else { continue }
                claimed.insert(stored.seq)
                return true
            }
        }
        return false
    }

    /// The instants whose export is the entry's `invoked_at` text: the one the import reads it
    /// as, and for a crackerjack time inside a DST overlap the later occurrence (up to three
    /// hours on) that export also writes as that text.
    private func instants(of entry: LegacyInvocation) -> [Timestamp] {
        guard let first = LegacyEventBuilder.instant(of: entry.invokedAt, dialect: dialect, zone: zone) else { return [] }
        guard dialect == .crackerjack, let local = LocalDateTime.parse(entry.invokedAt) else { return [first] }
        var instants = [first]
        for minutes in stride(from: 15, through: 180, by: 15) {
            let later = Timestamp(microsecondsSinceEpoch: first.microsecondsSinceEpoch + Int64(minutes) * 60_000_000)
            if zone.local(from: later) == local { instants.append(later) }
        }
        return instants
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
