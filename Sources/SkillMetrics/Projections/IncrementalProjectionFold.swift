import GRDB
import GRDBSQLite

/// Folds one batch of newly appended events into the stored schema V5 projections, in Swift,
/// reading only the rows the batch touches (its skills' `skill_totals` rows, the count rows of
/// its keys, its session and search pairs) and writing each of them once.
///
/// The rules are the triggers' (V5__projection_rows.sql), applied event by event in seq order
/// so that every IEEE sum is the same as the triggers'. Percentile cursors are moved from
/// their stored position by at most the batch's number of durations (index seeks, never a
/// rescan of the skill's history), so the triggers can carry on from them; a skill without
/// a cursor (after a rebuild) is positioned once with OFFSET, as the trigger does.
struct IncrementalProjectionFold {
    private struct Totals {
        var total: Int
        var completed: Int
        var abandoned: Int
        var totalDuration: Double
        var firstInvoked: String
        var lastInvoked: String
        var firstSeq: Int64
        var lastSeq: Int64
        var durationCount: Int
        var minimum: Double?
        var maximum: Double?
        /// Stored cursors (duration, seq) per percentile, nil when absent.
        var cursors: [(duration: Double, seq: Int64)?]
        /// The batch's durations of completed events, in seq order.
        var newDurations: [(duration: Double, seq: Int64)] = []
    }

    /// A count row's key: the skill as its place in ``skillNames`` (its name hashed once per
    /// event, not once per key), the key compared by its bytes (``ExactText``), as the table's
    /// primary key does.
    private struct KeyID: Hashable {
        var skill: Int
        var field: SkillKeyCountRow.Field
        var key: String

        static func == (lhs: KeyID, rhs: KeyID) -> Bool {
            lhs.skill == rhs.skill && lhs.field == rhs.field && ExactText(lhs.key) == ExactText(rhs.key)
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(skill)
            hasher.combine(field)
            hasher.combine(ExactText(key))
        }
    }

    /// A pair of a skill (its place in ``skillNames``) and a text (a session id or a workflow
    /// path) compared by its bytes.
    private struct PairID: Hashable {
        var skill: Int
        var text: String

        static func == (lhs: PairID, rhs: PairID) -> Bool {
            lhs.skill == rhs.skill && ExactText(lhs.text) == ExactText(rhs.text)
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(skill)
            hasher.combine(ExactText(text))
        }
    }

    /// A pair row's two key columns, as ``PairTable/keys`` names them.
    private struct PairKey {
        var first: String
        var second: String
    }

    /// Where each skill of the batch is in ``skillNames``.
    private var skills: [ExactText: Int] = [:]
    /// The batch's skills, in order of first appearance: their names and their totals.
    private var skillNames: [String] = []
    private var skillTotals: [Totals] = []
    /// The batch's count per key, and where the key first appears in the batch.
    private struct KeyDelta {
        var count: Int
        var firstSeq: Int64
        var firstIndex: Int
    }

    /// The batch's events of one `session_skill` or `skill_workflow_path` pair.
    private struct PairDelta {
        var count: Int
        /// Completed events (search rows only).
        var completed: Int
        var firstInvokedAt: String
        var lastInvokedAt: String
        var firstSeq: Int64
        var lastSeq: Int64
        /// The values the triggers add to the stored sum, in seq order.
        var addends: [Double]
        /// The sum as the triggers build it for a pair that is not stored yet.
        var totalFromZero: Double
    }

    /// Schemas V5–V10: paths are count rows too (V11's view reads them from the path rows).
    private let countsPathKeys: Bool

    /// The fold's statements, each looked up once per fold (see ``Statements``).
    private let statements = Statements()

    /// The statements the fold runs for each skill, by name.
    private enum Query: Int, CaseIterable {
        case loadTotals, equalAfter, equalBefore, beyondAfter, beyondBefore, fromStart
        case totalsUpsert, totalsWithPercentilesUpsert

        var sql: String {
            switch self {
            case .loadTotals: IncrementalProjectionFold.loadTotalsSQL
            case .equalAfter: IncrementalProjectionFold.equalAfterSQL
            case .equalBefore: IncrementalProjectionFold.equalBeforeSQL
            case .beyondAfter: IncrementalProjectionFold.beyondAfterSQL
            case .beyondBefore: IncrementalProjectionFold.beyondBeforeSQL
            case .fromStart: IncrementalProjectionFold.fromStartSQL
            case .totalsUpsert: IncrementalProjectionFold.totalsUpsertSQL
            case .totalsWithPercentilesUpsert: IncrementalProjectionFold.totalsWithPercentilesUpsertSQL
            }
        }
    }

    /// GRDB's cached statements for ``Query``, each fetched from GRDB's cache on first use only:
    /// a lookup there hashes the SQL text (~1.7k instructions; once per use it was ~2.5 % of a
    /// 1,000-event batch's instructions on `real`). A class, so that the fold's non-mutating
    /// methods share it; it lives for one fold, inside one write transaction.
    private final class Statements {
        private var prepared = [RawStatement?](repeating: nil, count: Query.allCases.count)

        func callAsFunction(_ query: Query, _ db: Database) throws -> RawStatement {
            if let statement = prepared[query.rawValue] { return statement }
            let statement = try RawStatement(db, query.sql)
            prepared[query.rawValue] = statement
            return statement
        }
    }

    private init(_ db: Database) throws {
        countsPathKeys = try ProjectionSchema.of(db).hasPathKeyCountRows
    }

    /// Where each key's delta is in ``keyDeltas``.
    private var keys: [KeyID: Int] = [:]
    /// The batch's keys and their deltas, in order of first appearance.
    private var keyDeltas: [(id: KeyID, delta: KeyDelta)] = []
    /// Where each pair's delta is in ``sessionDeltas`` / ``pathDeltas``.
    private var sessions: [PairID: Int] = [:]
    private var paths: [PairID: Int] = [:]
    /// The batch's pairs and their deltas, in order of first appearance.
    private var sessionDeltas: [(id: PairID, delta: PairDelta)] = []
    private var pathDeltas: [(id: PairID, delta: PairDelta)] = []

    static let percentileFractions = DurationPercentiles.fractions
    static let percentileNames = ["p50", "p95", "p99"]

    /// Folds the events with seq > `after` into the stored projections (inside the caller's
    /// transaction, with the projection triggers suspended).
    static func run(_ db: Database, after: Int64) throws {
        var fold = try IncrementalProjectionFold(db)
        try ProjectionEvent.forEach(db, after: after) { event in
            try fold.apply(event, db)
        }
        try fold.write(db)
    }

    /// Folds `events` — just appended, in seq order, exactly as stored — into the stored
    /// projections (inside the caller's transaction, with the projection triggers suspended).
    static func run(_ db: Database, events: [ProjectionEvent]) throws {
        var fold = try IncrementalProjectionFold(db)
        // Room for the batch's keys and pairs up front (growing the tables as they fill cost
        // ~2 % of a batch on `adversarial`, whose batches hold ~2,000 keys): about one pair of
        // each kind and two keys an event at most in the workload family.
        let expected = Swift.min(events.count, 4_096)
        fold.keys.reserveCapacity(2 * expected)
        fold.keyDeltas.reserveCapacity(2 * expected)
        fold.sessions.reserveCapacity(expected)
        fold.sessionDeltas.reserveCapacity(expected)
        fold.paths.reserveCapacity(expected)
        fold.pathDeltas.reserveCapacity(expected)
        for event in events {
            try fold.apply(event, db)
        }
        try fold.write(db)
    }

    private mutating func apply(_ event: ProjectionEvent, _ db: Database) throws {
        guard event.finished else { return }
        let skill = try applyTotals(event, db)
        if countsPathKeys, let path = event.workflowPath, !path.isEmpty {
            count(KeyID(skill: skill, field: .workflowPaths, key: path), event.seq, 0)
        }
        if let error = event.errorType, !error.isEmpty {
            count(KeyID(skill: skill, field: .commonErrors, key: error), event.seq, 0)
        }
        for (index, action) in event.followUpActions.enumerated() {
            count(KeyID(skill: skill, field: .followUpActions, key: action), event.seq, index)
        }
        if let session = event.sessionID {
            applySession(PairID(skill: skill, text: session), event)
        }
        applyPath(PairID(skill: skill, text: event.workflowPath ?? ""), event)
    }

    /// Adds the event to its skill's totals; the skill's place in ``skillNames``.
    private mutating func applyTotals(_ event: ProjectionEvent, _ db: Database) throws -> Int {
        let name = event.skillName
        let skill: Int
        if let known = skills[ExactText(name)] {
            skill = known
        } else {
            let stored = try loadTotals(name, db) ?? Totals(
                total: 0, completed: 0, abandoned: 0, totalDuration: 0.0,
                firstInvoked: event.invokedAt, lastInvoked: event.invokedAt, firstSeq: event.seq,
                lastSeq: event.seq, durationCount: 0, minimum: nil, maximum: nil,
                cursors: [nil, nil, nil])
            skill = skillNames.count
            skills[ExactText(name)] = skill
            skillNames.append(name)
            skillTotals.append(stored)
        }
        try Self.add(event, to: &skillTotals[skill], name)
        return skill
    }

    /// The totals' rules for one more event.
    private static func add(_ event: ProjectionEvent, to state: inout Totals, _ name: String) throws {
        // The stored counts come from the file: one more must still fit (a count of 2^63 - 1
        // is an altered file, refused with a clear error rather than a trap).
        func increment(_ count: inout Int, _ column: String) throws {
            let (sum, overflow) = count.addingReportingOverflow(1)
            guard !overflow else {
                throw SkillMetricsError.invalidInput(
                    location: "skill_totals, skill \(JSONWriter.quoted(name)), column \(column)",
                    reason: "\(count) plus one more event does not fit in a 64-bit count")
            }
            count = sum
        }
        try increment(&state.total, "total_invocations")
        if event.completed {
            try increment(&state.completed, "completed_invocations")
            if let duration = event.durationSeconds {
                if duration != 0 { state.totalDuration += duration }
                try increment(&state.durationCount, "duration_count")
                if state.minimum.map({ duration < $0 }) ?? true { state.minimum = duration }
                if state.maximum.map({ duration >= $0 }) ?? true { state.maximum = duration }
                state.newDurations.append((duration, event.seq))
            }
        } else {
            try increment(&state.abandoned, "abandoned_invocations")
        }
        state.lastInvoked = event.invokedAt
        state.lastSeq = event.seq
    }

    private static let totalsColumnNames = [
        "total_invocations", "completed_invocations", "abandoned_invocations", "total_duration_seconds",
        "first_invoked", "last_invoked", "first_seq", "last_seq", "duration_count",
        "min_duration_seconds", "max_duration_seconds",
        "p50_cursor_duration", "p50_cursor_seq", "p95_cursor_duration", "p95_cursor_seq",
        "p99_cursor_duration", "p99_cursor_seq",
    ]

    private static let loadTotalsSQL =
        "SELECT \(totalsColumnNames.joined(separator: ", ")) FROM skill_totals WHERE skill_name = ?"

    /// The stored totals of a skill, nil when it has none. Columns are read in place from the
    /// statement, each checked for its storage class (a GRDB `Row` per skill and batch cost
    /// ~50k instructions, 7 % of a 1,000-event batch on `real`).
    private func loadTotals(_ name: String, _ db: Database) throws -> Totals? {
        let statement = try statements(.loadTotals, db)
        statement.reset()
        defer { statement.reset() }
        statement.bind(1, name)
        guard try statement.step(db) else { return nil }
        let sqlite = statement.sqlite
        func bad(_ index: CInt, _ expected: String) -> SkillMetricsError {
            let type = sqlite3_column_type(sqlite, index)
            let found = type == SQLITE_INTEGER
                ? "\(sqlite3_column_int64(sqlite, index))" : EventColumns.storageClassName(type)
            return .invalidInput(
                location: "skill_totals, skill \(JSONWriter.quoted(name)), column \(Self.totalsColumnNames[Int(index)])",
                reason: "expected \(expected), found \(found)")
        }
        func integer(_ index: CInt) throws -> Int64 {
            guard let value = statement.int64(at: index) else { throw bad(index, "an integer") }
            return value
        }
        func count(_ index: CInt) throws -> Int {
            guard let value = Int(exactly: try integer(index)), value >= 0 else {
                throw bad(index, "a count (an integer of at least 0)")
            }
            return value
        }
        func real(_ index: CInt) throws -> Double {
            guard let value = statement.double(at: index) else { throw bad(index, "a real") }
            return value
        }
        func optionalReal(_ index: CInt) throws -> Double? {
            sqlite3_column_type(sqlite, index) == SQLITE_NULL ? nil : try real(index)
        }
        func text(_ index: CInt) throws -> String {
            // Every byte (ColumnText): an altered time is refused, not written back cut short.
            guard let bytes = ColumnText.bytes(sqlite, index) else { throw bad(index, "text") }
            let text = String(decoding: bytes, as: UTF8.self)
            guard !bytes.contains(0), text.utf8.elementsEqual(bytes) else {
                throw bad(index, "UTF-8 text without a NUL byte")
            }
            return text
        }
        func cursor(_ index: CInt) throws -> (duration: Double, seq: Int64)? {
            guard let duration = try optionalReal(index),
                  sqlite3_column_type(sqlite, index + 1) != SQLITE_NULL else { return nil }
            return (duration, try integer(index + 1))
        }
        return Totals(
            total: try count(0), completed: try count(1), abandoned: try count(2), totalDuration: try real(3),
            firstInvoked: try text(4), lastInvoked: try text(5), firstSeq: try integer(6), lastSeq: try integer(7),
            durationCount: try count(8), minimum: try optionalReal(9), maximum: try optionalReal(10),
            cursors: [try cursor(11), try cursor(13), try cursor(15)])
    }

    private mutating func count(_ id: KeyID, _ seq: Int64, _ index: Int) {
        if let existing = keys[id] {
            keyDeltas[existing].delta.count += 1
            return
        }
        keys[id] = keyDeltas.count
        keyDeltas.append((id, KeyDelta(count: 1, firstSeq: seq, firstIndex: index)))
    }

    private mutating func applySession(_ id: PairID, _ event: ProjectionEvent) {
        if let existing = sessions[id] {
            sessionDeltas[existing].delta.count += 1
            sessionDeltas[existing].delta.lastInvokedAt = event.invokedAt
            sessionDeltas[existing].delta.lastSeq = event.seq
            if let duration = event.durationSeconds {
                sessionDeltas[existing].delta.addends.append(duration)
                sessionDeltas[existing].delta.totalFromZero += duration
            }
            return
        }
        sessions[id] = sessionDeltas.count
        sessionDeltas.append((id, PairDelta(
            count: 1, completed: 0, firstInvokedAt: event.invokedAt, lastInvokedAt: event.invokedAt,
            firstSeq: event.seq, lastSeq: event.seq, addends: event.durationSeconds.map { [$0] } ?? [],
            totalFromZero: 0.0 + (event.durationSeconds ?? 0.0))))
    }

    private mutating func applyPath(_ id: PairID, _ event: ProjectionEvent) {
        // The trigger adds `0.0 + duration` of a completed event with a duration, else 0.0
        // (adding 0.0 changes no sum the triggers can produce, so only the others are kept).
        let contributes = event.completed && event.durationSeconds != nil
        let duration = 0.0 + (event.completed ? (event.durationSeconds ?? 0.0) : 0.0)
        let completed = event.completed ? 1 : 0
        if let existing = paths[id] {
            pathDeltas[existing].delta.count += 1
            pathDeltas[existing].delta.completed += completed
            pathDeltas[existing].delta.lastSeq = event.seq
            if contributes { pathDeltas[existing].delta.addends.append(duration) }
            pathDeltas[existing].delta.totalFromZero += duration
            return
        }
        paths[id] = pathDeltas.count
        pathDeltas.append((id, PairDelta(
            count: 1, completed: completed, firstInvokedAt: event.invokedAt, lastInvokedAt: event.invokedAt,
            firstSeq: event.seq, lastSeq: event.seq, addends: contributes ? [duration] : [],
            totalFromZero: duration)))
    }

    // MARK: Percentiles

    private typealias Element = (duration: Double, seq: Int64)

    private static let durationFilter =
        "skill_name = ? AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL"

    private static let equalAfterSQL = "SELECT duration_seconds, seq FROM skill_invocation WHERE \(durationFilter) AND duration_seconds = ? AND seq > ? ORDER BY seq LIMIT ?"
    private static let equalBeforeSQL = "SELECT duration_seconds, seq FROM skill_invocation WHERE \(durationFilter) AND duration_seconds = ? AND seq < ? ORDER BY seq DESC LIMIT ?"
    private static let beyondAfterSQL = "SELECT duration_seconds, seq FROM skill_invocation WHERE \(durationFilter) AND duration_seconds > ? ORDER BY duration_seconds, seq LIMIT ?"
    private static let beyondBeforeSQL = "SELECT duration_seconds, seq FROM skill_invocation WHERE \(durationFilter) AND duration_seconds < ? ORDER BY duration_seconds DESC, seq DESC LIMIT ?"
    private static let fromStartSQL = """
        SELECT duration_seconds, seq FROM skill_invocation INDEXED BY idx_skill_invocation_durations
        WHERE \(durationFilter) ORDER BY duration_seconds, seq LIMIT 2 OFFSET ?
        """

    /// The (duration, seq) of the current row of a duration query, checked.
    private static func currentElement(_ statement: RawStatement, _ skill: String) throws -> Element {
        guard let duration = statement.double(at: 0), let seq = statement.int64(at: 1) else {
            throw SkillMetricsError.invalidInput(
                location: "skill_invocation, skill \(JSONWriter.quoted(skill))",
                reason: "a duration row without a numeric duration_seconds or an integer seq")
        }
        return (duration, seq)
    }

    /// Appends the rows of a duration query to `elements`, checked.
    private static func collect(_ statement: RawStatement, _ skill: String, into elements: inout [Element], _ db: Database) throws {
        defer { statement.reset() }
        while try statement.step(db) {
            elements.append(try currentElement(statement, skill))
        }
    }

    /// The `count` elements nearest `start` after it (`forward`) or before it, in (duration,
    /// seq) order, nearest first: those of equal duration by a seek on (duration, seq), then
    /// the rest beyond (two index seeks, never a scan of the skill's history). Fewer when the
    /// index ends.
    private func neighbours(
        _ skill: String, of start: Element, count: Int, forward: Bool, _ db: Database
    ) throws -> [Element] {
        var elements: [Element] = []
        guard count > 0 else { return elements }
        // (A count read from an altered file may be huge: no reservation beyond a batch's.)
        elements.reserveCapacity(Swift.min(count, 1_024))
        let equal = try statements(forward ? .equalAfter : .equalBefore, db)
        equal.reset()
        equal.bind(1, skill)
        equal.bind(2, start.duration)
        equal.bind(3, start.seq)
        equal.bind(4, count)
        try Self.collect(equal, skill, into: &elements, db)
        guard elements.count < count else { return elements }
        let beyond = try statements(forward ? .beyondAfter : .beyondBefore, db)
        beyond.reset()
        beyond.bind(1, skill)
        beyond.bind(2, start.duration)
        beyond.bind(3, count - elements.count)
        try Self.collect(beyond, skill, into: &elements, db)
        return elements
    }

    /// The element at sorted position `offset` and the one after it, if any (one OFFSET scan:
    /// only for a skill without a cursor).
    private func elements(_ skill: String, at offset: Int, _ db: Database) throws -> [Element] {
        let statement = try statements(.fromStart, db)
        statement.reset()
        statement.bind(1, skill)
        statement.bind(2, offset)
        var elements: [Element] = []
        try Self.collect(statement, skill, into: &elements, db)
        guard !elements.isEmpty else {
            throw SkillMetricsError.invalidInput(
                location: "skill_invocation, skill \(JSONWriter.quoted(skill))",
                reason: "the duration index holds fewer than \(offset + 1) values")
        }
        return elements
    }

    /// The error for a cursor the stored durations cannot reach.
    private static func indexEnds(_ skill: String) -> SkillMetricsError {
        .invalidInput(
            location: "skill_invocation, skill \(JSONWriter.quoted(skill))",
            reason: "the duration index ends before the percentile cursor's position")
    }

    private static func position(_ count: Int, _ fraction: Double) -> (f: Int, t: Double) {
        let k = Double(count - 1) * fraction
        let f = Int(k.rounded(.towardZero))
        return (f, k - Double(f))
    }

    /// Percentile columns of a skill whose durations the batch changed.
    private func percentileValues(_ name: String, _ state: Totals, _ db: Database) throws -> [DatabaseValue] {
        let newCount = state.durationCount
        let oldCount = newCount - state.newDurations.count
        var values: [DatabaseValue] = []
        values.reserveCapacity(Self.percentileColumns.count)
        for (index, fraction) in Self.percentileFractions.enumerated() {
            let target = Self.position(newCount, fraction)
            // The element after the cursor, for the interpolation, unless the cursor is the last.
            let wantsNext = target.f < newCount - 1
            let cursor: Element
            let next: Element
            if oldCount > 0, let stored = state.cursors[index] {
                let before = state.newDurations.reduce(0) { $0 + ($1.duration < stored.duration ? 1 : 0) }
                let steps = target.f - (Self.position(oldCount, fraction).f + before)
                if steps >= 0 {
                    // One query for the new cursor and the element after it.
                    let wanted = steps + (wantsNext ? 1 : 0)
                    let after = try neighbours(name, of: stored, count: wanted, forward: true, db)
                    guard after.count == wanted else { throw Self.indexEnds(name) }
                    cursor = steps == 0 ? stored : after[steps - 1]
                    next = wantsNext ? after[steps] : cursor
                } else {
                    // Walking back: the element after the new cursor is the one walked over last.
                    let back = try neighbours(name, of: stored, count: -steps, forward: false, db)
                    guard back.count == -steps else { throw Self.indexEnds(name) }
                    cursor = back[back.count - 1]
                    next = !wantsNext ? cursor : back.count >= 2 ? back[back.count - 2] : stored
                }
            } else {
                let found = try elements(name, at: target.f, db)
                cursor = found[0]
                guard !wantsNext || found.count == 2 else { throw Self.indexEnds(name) }
                next = wantsNext ? found[1] : cursor
            }
            values.append(cursor.duration.databaseValue)
            values.append(cursor.seq.databaseValue)
            values.append(next.duration.databaseValue)
            values.append(DurationPercentiles.lerp(cursor.duration, next.duration, target.t).databaseValue)
        }
        return values
    }

    // MARK: Writing

    private func write(_ db: Database) throws {
        for (name, state) in zip(skillNames, skillTotals) {
            var values: [DatabaseValue] = [
                name.databaseValue,
                state.total.databaseValue,
                state.completed.databaseValue,
                state.abandoned.databaseValue,
                state.totalDuration.databaseValue,
                state.firstInvoked.databaseValue,
                state.lastInvoked.databaseValue,
                state.firstSeq.databaseValue,
                state.lastSeq.databaseValue,
                state.durationCount.databaseValue,
                state.minimum?.databaseValue ?? .null,
                state.maximum?.databaseValue ?? .null,
                (state.total == 0 ? 0.0 : Double(state.completed) / Double(state.total) * 100).databaseValue,
                (state.completed == 0 ? 0.0 : state.totalDuration / Double(state.completed)).databaseValue,
            ]
            let statement: RawStatement
            if state.newDurations.isEmpty {
                statement = try statements(.totalsUpsert, db)
            } else {
                values += try percentileValues(name, state, db)
                statement = try statements(.totalsWithPercentilesUpsert, db)
            }
            statement.reset()
            for (offset, value) in values.enumerated() { statement.bind(CInt(offset + 1), value) }
            _ = try statement.execute(db)
        }
        try writeKeys(db)
        try Self.writePairs(sessionDeltas.map { (PairKey(first: $0.id.text, second: skillNames[$0.id.skill]), $0.delta) }, Self.sessionTable, db)
        // Last: on schemas V5–V9 its new rows write the FTS5 index, which every later statement
        // would flush.
        try Self.writePairs(pathDeltas.map { (PairKey(first: skillNames[$0.id.skill], second: $0.id.text), $0.delta) }, Self.pathTable, db)
    }

    /// Most chained additions an UPDATE carries; a pair with more reads its stored sum first.
    private static let maximumChainedAddends = 4

    /// `column + ?n + ?n+1 …` (evaluated left to right, as the triggers add one event at a time).
    private static func chain(_ column: String, from first: Int, count: Int) -> String {
        var expression = column
        for parameter in first..<(first + count) { expression = "(\(expression) + ?\(parameter))" }
        return expression
    }

    /// Count rows: one multi-row UPSERT (``MultiRowInsert``) in the batch's order, that inserts a
    /// key the skill never had and adds the batch's count to a stored one (whose first position
    /// is earlier than any of the batch's, so it stays). No read, and no UPDATE tried first.
    private func writeKeys(_ db: Database) throws {
        let upsert = MultiRowInsert(
            into: "skill_key_count", columns: ["skill_name", "field", "key", "count", "first_seq", "first_index"],
            upsert: "ON CONFLICT (skill_name, field, key) DO UPDATE SET count = count + excluded.count")
        try upsert.run(db, count: keyDeltas.count) { texts, statement, row, first in
            let (id, delta) = keyDeltas[row]
            texts.add(skillNames[id.skill], at: first)
            texts.add(id.field.rawValue, at: first + 1)
            texts.add(id.key, at: first + 2)
            statement.bind(first + 3, delta.count)
            statement.bind(first + 4, delta.firstSeq)
            statement.bind(first + 5, delta.firstIndex)
        }
    }

    /// A pair table (`session_skill`, `skill_workflow_path`) as ``writePairs(_:_:_:_:)`` writes it.
    private struct PairTable: Sendable {
        var name: String
        /// The two key columns (``PairID/first``, ``PairID/second``).
        var keys: (String, String)
        /// The UPDATE's assignments besides the sum, with parameters from `?3` on.
        var assignments: [String]
        /// The same assignments for the UPSERT, from the `excluded` row (a new row's values).
        var upsertAssignments: [String]
        var bindAssignments: @Sendable (RawStatement, PairDelta) -> Void
        var insertColumns: [String]
        /// Binds a new pair's row from the given parameter on, in `insertColumns` order.
        var bindInsert: @Sendable (inout StaticTexts, RawStatement, PairKey, PairDelta, CInt) -> Void
    }

    /// `session_skill`: see ``writePairs(_:_:_:_:)``.
    private static let sessionTable = PairTable(
        name: "session_skill", keys: ("session_id", "skill_name"),
        assignments: ["invocation_count = invocation_count + ?3", "last_invoked_at = ?4", "last_seq = ?5"],
        upsertAssignments: [
            "invocation_count = invocation_count + excluded.invocation_count",
            "last_invoked_at = excluded.last_invoked_at", "last_seq = excluded.last_seq",
        ],
        bindAssignments: { statement, delta in
            statement.bind(3, delta.count)
            statement.bind(4, delta.lastInvokedAt)
            statement.bind(5, delta.lastSeq)
        },
        insertColumns: ["session_id", "skill_name", "invocation_count", "first_invoked_at", "last_invoked_at",
                        "total_duration_seconds", "first_seq", "last_seq"],
        bindInsert: { texts, statement, id, delta, first in
            texts.add(id.first, at: first)
            texts.add(id.second, at: first + 1)
            statement.bind(first + 2, delta.count)
            texts.add(delta.firstInvokedAt, at: first + 3)
            texts.add(delta.lastInvokedAt, at: first + 4)
            statement.bind(first + 5, delta.totalFromZero)
            statement.bind(first + 6, delta.firstSeq)
            statement.bind(first + 7, delta.lastSeq)
        })

    /// `skill_workflow_path`: see ``writePairs(_:_:_:_:)``; a new pair's id is the seq of its
    /// first event (on schemas V5–V9 its INSERT trigger writes the FTS row).
    private static let pathTable = PairTable(
        name: "skill_workflow_path", keys: ("skill_name", "workflow_path"),
        assignments: ["invocation_count = invocation_count + ?3", "completed_count = completed_count + ?4"],
        upsertAssignments: [
            "invocation_count = invocation_count + excluded.invocation_count",
            "completed_count = completed_count + excluded.completed_count",
        ],
        bindAssignments: { statement, delta in
            statement.bind(3, delta.count)
            statement.bind(4, delta.completed)
        },
        insertColumns: ["id", "skill_name", "workflow_path", "invocation_count", "completed_count",
                        "total_duration_seconds"],
        bindInsert: { texts, statement, id, delta, first in
            statement.bind(first, delta.firstSeq)
            texts.add(id.first, at: first + 1)
            texts.add(id.second, at: first + 2)
            statement.bind(first + 3, delta.count)
            statement.bind(first + 4, delta.completed)
            statement.bind(first + 5, delta.totalFromZero)
        })

    /// Writes a batch's pairs.
    ///
    /// A pair with at most one duration to add goes straight into a multi-row UPSERT
    /// (``MultiRowInsert``): a new pair is inserted with its sum from zero, a stored one gets
    /// `stored + (0.0 + addend)` — the triggers' `stored + addend`, as no stored sum is -0.0
    /// (a sum the triggers start at `0.0 + duration` never is). A pair with more durations must
    /// add them to the stored sum one by one: an UPDATE adds them in SQL (so the stored sum
    /// need not be read; one with many reads its stored sum once and adds them in Swift), and
    /// only the pairs it did not find join the UPSERT, which keeps the batch's order for the
    /// rows it inserts (and so their rowids, as the triggers would give them).
    private static func writePairs(
        _ pairs: [(id: PairKey, delta: PairDelta)], _ table: PairTable, _ db: Database
    ) throws {
        let sumParameter = 3 + table.assignments.count
        let condition = "\(table.keys.0) = ?1 AND \(table.keys.1) = ?2"
        var updates: [Int: RawStatement] = [:]
        func update(_ addends: Int?) throws -> RawStatement {
            let key = addends ?? -1
            if let statement = updates[key] { return statement }
            let total = addends.map { chain("total_duration_seconds", from: sumParameter, count: $0) } ?? "?\(sumParameter)"
            let statement = try RawStatement(db, """
                UPDATE \(table.name) SET \(table.assignments.joined(separator: ", ")),
                    total_duration_seconds = \(total)
                WHERE \(condition)
                """)
            updates[key] = statement
            return statement
        }
        var read: RawStatement?
        var upserted: [Int] = []
        upserted.reserveCapacity(pairs.count)
        for (index, (id, delta)) in pairs.enumerated() {
            if delta.addends.count <= 1 {
                upserted.append(index)
                continue
            }
            var stored: Double?
            let chained = delta.addends.count <= maximumChainedAddends
            if !chained {
                let statement = try read ?? RawStatement(db, "SELECT total_duration_seconds FROM \(table.name) WHERE \(condition)")
                read = statement
                statement.reset()
                statement.bind(1, id.first)
                statement.bind(2, id.second)
                stored = try statement.fetchDouble(db, table: table.name, key: "(\(id.first), \(id.second))")
            }
            if chained || stored != nil {
                let statement = try update(chained ? delta.addends.count : nil)
                statement.reset()
                statement.bind(1, id.first)
                statement.bind(2, id.second)
                table.bindAssignments(statement, delta)
                if let stored {
                    statement.bind(CInt(sumParameter), delta.addends.reduce(stored, +))
                } else {
                    for (offset, addend) in delta.addends.enumerated() {
                        statement.bind(CInt(sumParameter + offset), addend)
                    }
                }
                if try statement.execute(db) > 0 { continue }
            }
            upserted.append(index)
        }
        let upsert = MultiRowInsert(
            into: table.name, columns: table.insertColumns,
            upsert: "ON CONFLICT (\(table.keys.0), \(table.keys.1)) DO UPDATE SET "
                + (table.upsertAssignments + [
                    "total_duration_seconds = total_duration_seconds + excluded.total_duration_seconds",
                ]).joined(separator: ", "))
        try upsert.run(db, count: upserted.count) { texts, statement, row, first in
            let (id, delta) = pairs[upserted[row]]
            table.bindInsert(&texts, statement, id, delta, first)
        }
    }

    /// The `skill_totals` columns the fold writes for every touched skill, in binding order.
    private static let totalsColumns = [
        "skill_name", "total_invocations", "completed_invocations", "abandoned_invocations",
        "total_duration_seconds", "first_invoked", "last_invoked", "first_seq", "last_seq",
        "duration_count", "min_duration_seconds", "max_duration_seconds", "completion_rate",
        "avg_duration_seconds",
    ]

    /// The percentile columns of a skill the batch gave durations, in ``percentileValues(_:_:_:)``'s order.
    private static let percentileColumns = percentileNames.flatMap {
        ["\($0)_cursor_duration", "\($0)_cursor_seq", "\($0)_next_duration", "\($0)_duration_seconds"]
    }

    private static let totalsUpsertSQL = upsertSQL(totalsColumns, into: "skill_totals", conflict: "skill_name")
    private static let totalsWithPercentilesUpsertSQL = upsertSQL(
        totalsColumns + percentileColumns, into: "skill_totals", conflict: "skill_name")

    /// INSERT … ON CONFLICT DO UPDATE of the given columns (no DELETE: no trigger sees a removal).
    private static func upsertSQL(_ columns: [String], into table: String, conflict: String) -> String {
        let updates = columns.filter { $0 != conflict }.map { "\($0) = excluded.\($0)" }
        return """
            INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
            ON CONFLICT (\(conflict)) DO UPDATE SET \(updates.joined(separator: ", "))
            """
    }
}
