import GRDB

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

    private struct KeyID: Hashable {
        var skill: String
        var field: SkillKeyCountRow.Field
        var key: String
    }

    private struct PairID: Hashable {
        var first: String
        var second: String
    }

    private var totals: [String: Totals] = [:]
    private var totalsOrder: [String] = []
    private var keys: [KeyID: SkillKeyCountRow] = [:]
    private var keysOrder: [KeyID] = []
    private var sessions: [PairID: SessionSkillRow] = [:]
    private var sessionsOrder: [PairID] = []
    /// Search rows, and whether each is new (an INSERT, which indexes it) or stored (an UPDATE).
    private var paths: [PairID: (row: WorkflowPathRow, isNew: Bool)] = [:]
    private var pathsOrder: [PairID] = []

    static let percentileFractions = DurationPercentiles.fractions
    static let percentileNames = ["p50", "p95", "p99"]

    /// Folds the events with seq > `after` into the stored projections (inside the caller's
    /// transaction, with the projection triggers suspended).
    static func run(_ db: Database, after: Int64) throws {
        var fold = IncrementalProjectionFold()
        try ProjectionEvent.forEach(db, after: after) { event in
            try fold.apply(event, db)
        }
        try fold.write(db)
    }

    private mutating func apply(_ event: ProjectionEvent, _ db: Database) throws {
        guard event.finished else { return }
        try applyTotals(event, db)
        if let path = event.workflowPath, !path.isEmpty {
            try count(KeyID(skill: event.skillName, field: .workflowPaths, key: path), event.seq, 0, db)
        }
        if let error = event.errorType, !error.isEmpty {
            try count(KeyID(skill: event.skillName, field: .commonErrors, key: error), event.seq, 0, db)
        }
        for (index, action) in event.followUpActions.enumerated() {
            try count(KeyID(skill: event.skillName, field: .followUpActions, key: action), event.seq, index, db)
        }
        if let session = event.sessionID {
            try applySession(PairID(first: session, second: event.skillName), event, db)
        }
        try applyPath(PairID(first: event.skillName, second: event.workflowPath ?? ""), event, db)
    }

    private mutating func applyTotals(_ event: ProjectionEvent, _ db: Database) throws {
        let name = event.skillName
        if totals[name] == nil {
            totalsOrder.append(name)
            totals[name] = try Self.loadTotals(name, db) ?? Totals(
                total: 0, completed: 0, abandoned: 0, totalDuration: 0.0,
                firstInvoked: event.invokedAt, lastInvoked: event.invokedAt, firstSeq: event.seq,
                lastSeq: event.seq, durationCount: 0, minimum: nil, maximum: nil,
                cursors: [nil, nil, nil])
        }
        guard var state = totals[name] else { return }
        state.total += 1
        if event.completed {
            state.completed += 1
            if let duration = event.durationSeconds {
                if duration != 0 { state.totalDuration += duration }
                state.durationCount += 1
                if state.minimum.map({ duration < $0 }) ?? true { state.minimum = duration }
                if state.maximum.map({ duration >= $0 }) ?? true { state.maximum = duration }
                state.newDurations.append((duration, event.seq))
            }
        } else {
            state.abandoned += 1
        }
        state.lastInvoked = event.invokedAt
        state.lastSeq = event.seq
        totals[name] = state
    }

    private static func loadTotals(_ name: String, _ db: Database) throws -> Totals? {
        let statement = try db.cachedStatement(sql: """
            SELECT total_invocations, completed_invocations, abandoned_invocations, total_duration_seconds,
                   first_invoked, last_invoked, first_seq, last_seq, duration_count,
                   min_duration_seconds, max_duration_seconds,
                   p50_cursor_duration, p50_cursor_seq, p95_cursor_duration, p95_cursor_seq,
                   p99_cursor_duration, p99_cursor_seq
            FROM skill_totals WHERE skill_name = ?
            """)
        guard let row = try Row.fetchOne(statement, arguments: [name]) else { return nil }
        func cursor(_ index: Int) throws -> (duration: Double, seq: Int64)? {
            guard let duration = try row.decode(Double?.self, atIndex: index),
                  let seq = try row.decode(Int64?.self, atIndex: index + 1) else { return nil }
            return (duration, seq)
        }
        return Totals(
            total: try row.decode(Int.self, atIndex: 0), completed: try row.decode(Int.self, atIndex: 1),
            abandoned: try row.decode(Int.self, atIndex: 2), totalDuration: try row.decode(Double.self, atIndex: 3),
            firstInvoked: try row.decode(String.self, atIndex: 4), lastInvoked: try row.decode(String.self, atIndex: 5),
            firstSeq: try row.decode(Int64.self, atIndex: 6), lastSeq: try row.decode(Int64.self, atIndex: 7),
            durationCount: try row.decode(Int.self, atIndex: 8),
            minimum: try row.decode(Double?.self, atIndex: 9), maximum: try row.decode(Double?.self, atIndex: 10),
            cursors: [try cursor(11), try cursor(13), try cursor(15)])
    }

    private mutating func count(_ id: KeyID, _ seq: Int64, _ index: Int, _ db: Database) throws {
        if let existing = keys.index(forKey: id) {
            keys.values[existing].count += 1
            return
        }
        keysOrder.append(id)
        let statement = try db.cachedStatement(sql: """
            SELECT count, first_seq, first_index FROM skill_key_count
            WHERE skill_name = ? AND field = ? AND key = ?
            """)
        if let row = try Row.fetchOne(statement, arguments: [id.skill, id.field.rawValue, id.key]) {
            keys[id] = SkillKeyCountRow(
                skillName: id.skill, field: id.field, key: id.key, count: try row.decode(Int.self, atIndex: 0) + 1,
                firstSeq: try row.decode(Int64.self, atIndex: 1), firstIndex: try row.decode(Int.self, atIndex: 2))
        } else {
            keys[id] = SkillKeyCountRow(
                skillName: id.skill, field: id.field, key: id.key, count: 1, firstSeq: seq, firstIndex: index)
        }
    }

    private mutating func applySession(_ id: PairID, _ event: ProjectionEvent, _ db: Database) throws {
        if let existing = sessions.index(forKey: id) {
            sessions.values[existing].invocationCount += 1
            sessions.values[existing].lastInvokedAt = event.invokedAt
            sessions.values[existing].lastSeq = event.seq
            if let duration = event.durationSeconds { sessions.values[existing].totalDurationSeconds += duration }
            return
        }
        sessionsOrder.append(id)
        let statement = try db.cachedStatement(sql: """
            SELECT invocation_count, first_invoked_at, total_duration_seconds, first_seq
            FROM session_skill WHERE session_id = ? AND skill_name = ?
            """)
        if let row = try Row.fetchOne(statement, arguments: [id.first, id.second]) {
            var total = try row.decode(Double.self, atIndex: 2)
            if let duration = event.durationSeconds { total += duration }
            sessions[id] = SessionSkillRow(
                sessionID: id.first, skillName: id.second, invocationCount: try row.decode(Int.self, atIndex: 0) + 1,
                firstInvokedAt: try row.decode(String.self, atIndex: 1), lastInvokedAt: event.invokedAt,
                totalDurationSeconds: total, firstSeq: try row.decode(Int64.self, atIndex: 3), lastSeq: event.seq)
        } else {
            sessions[id] = SessionSkillRow(
                sessionID: id.first, skillName: id.second, invocationCount: 1,
                firstInvokedAt: event.invokedAt, lastInvokedAt: event.invokedAt,
                totalDurationSeconds: 0.0 + (event.durationSeconds ?? 0.0), firstSeq: event.seq, lastSeq: event.seq)
        }
    }

    private mutating func applyPath(_ id: PairID, _ event: ProjectionEvent, _ db: Database) throws {
        let duration = 0.0 + (event.completed ? (event.durationSeconds ?? 0.0) : 0.0)
        let completed = event.completed ? 1 : 0
        if let existing = paths.index(forKey: id) {
            paths.values[existing].row.invocationCount += 1
            paths.values[existing].row.completedCount += completed
            paths.values[existing].row.totalDurationSeconds += duration
            return
        }
        pathsOrder.append(id)
        let statement = try db.cachedStatement(sql: """
            SELECT id, invocation_count, completed_count, total_duration_seconds
            FROM skill_workflow_path WHERE skill_name = ? AND workflow_path = ?
            """)
        if let row = try Row.fetchOne(statement, arguments: [id.first, id.second]) {
            paths[id] = (WorkflowPathRow(
                id: try row.decode(Int64.self, atIndex: 0), skillName: id.first, workflowPath: id.second,
                invocationCount: try row.decode(Int.self, atIndex: 1) + 1,
                completedCount: try row.decode(Int.self, atIndex: 2) + completed,
                totalDurationSeconds: try row.decode(Double.self, atIndex: 3) + duration), false)
        } else {
            paths[id] = (WorkflowPathRow(
                id: event.seq, skillName: id.first, workflowPath: id.second, invocationCount: 1,
                completedCount: completed, totalDurationSeconds: duration), true)
        }
    }

    // MARK: Percentiles

    private typealias Element = (duration: Double, seq: Int64)

    private static let durationFilter =
        "skill_name = ? AND completed = 1 AND finished = 1 AND duration_seconds IS NOT NULL"

    /// The element `steps` places after (`steps` > 0) or before (< 0) `start` in (duration, seq) order.
    private static func element(_ skill: String, from start: Element, steps: Int, _ db: Database) throws -> Element {
        if steps == 0 { return start }
        let forward = steps > 0
        let wanted = abs(steps)
        let equal = try db.cachedStatement(sql: forward
            ? "SELECT duration_seconds, seq FROM skill_invocation WHERE \(durationFilter) AND duration_seconds = ? AND seq > ? ORDER BY seq LIMIT ?"
            : "SELECT duration_seconds, seq FROM skill_invocation WHERE \(durationFilter) AND duration_seconds = ? AND seq < ? ORDER BY seq DESC LIMIT ?")
        var found = 0
        var last: Element?
        let cursor = try Row.fetchCursor(equal, arguments: [skill, start.duration, start.seq, wanted])
        while let row = try cursor.next() {
            found += 1
            last = (try row.decode(Double.self, atIndex: 0), try row.decode(Int64.self, atIndex: 1))
        }
        if found == wanted, let last { return last }
        let beyond = try db.cachedStatement(sql: forward
            ? "SELECT duration_seconds, seq FROM skill_invocation WHERE \(durationFilter) AND duration_seconds > ? ORDER BY duration_seconds, seq LIMIT 1 OFFSET ?"
            : "SELECT duration_seconds, seq FROM skill_invocation WHERE \(durationFilter) AND duration_seconds < ? ORDER BY duration_seconds DESC, seq DESC LIMIT 1 OFFSET ?")
        guard let row = try Row.fetchOne(beyond, arguments: [skill, start.duration, wanted - found - 1]) else {
            throw SkillMetricsError.invalidInput(
                location: "skill_invocation, skill \(JSONWriter.quoted(skill))",
                reason: "the duration index ends before the percentile cursor's position")
        }
        return (try row.decode(Double.self, atIndex: 0), try row.decode(Int64.self, atIndex: 1))
    }

    /// The element at sorted position `offset` (one OFFSET scan: only for a skill without a cursor).
    private static func element(_ skill: String, at offset: Int, _ db: Database) throws -> Element {
        let statement = try db.cachedStatement(sql: """
            SELECT duration_seconds, seq FROM skill_invocation INDEXED BY idx_skill_invocation_durations
            WHERE \(durationFilter) ORDER BY duration_seconds, seq LIMIT 1 OFFSET ?
            """)
        guard let row = try Row.fetchOne(statement, arguments: [skill, offset]) else {
            throw SkillMetricsError.invalidInput(
                location: "skill_invocation, skill \(JSONWriter.quoted(skill))",
                reason: "the duration index holds fewer than \(offset + 1) values")
        }
        return (try row.decode(Double.self, atIndex: 0), try row.decode(Int64.self, atIndex: 1))
    }

    private static func position(_ count: Int, _ fraction: Double) -> (f: Int, t: Double) {
        let k = Double(count - 1) * fraction
        let f = Int(k.rounded(.towardZero))
        return (f, k - Double(f))
    }

    /// Percentile columns of a skill whose durations the batch changed.
    private static func percentileValues(_ name: String, _ state: Totals, _ db: Database) throws -> [(String, DatabaseValue)] {
        let newCount = state.durationCount
        let oldCount = newCount - state.newDurations.count
        var values: [(String, DatabaseValue)] = []
        for (index, fraction) in percentileFractions.enumerated() {
            let target = position(newCount, fraction)
            let cursor: Element
            if oldCount > 0, let stored = state.cursors[index] {
                let before = state.newDurations.reduce(0) { $0 + ($1.duration < stored.duration ? 1 : 0) }
                let current = position(oldCount, fraction).f + before
                cursor = try element(name, from: stored, steps: target.f - current, db)
            } else {
                cursor = try element(name, at: target.f, db)
            }
            let next = target.f >= newCount - 1 ? cursor : try element(name, from: cursor, steps: 1, db)
            let prefix = percentileNames[index]
            values.append(("\(prefix)_cursor_duration", cursor.duration.databaseValue))
            values.append(("\(prefix)_cursor_seq", cursor.seq.databaseValue))
            values.append(("\(prefix)_next_duration", next.duration.databaseValue))
            values.append(("\(prefix)_duration_seconds",
                           DurationPercentiles.lerp(cursor.duration, next.duration, target.t).databaseValue))
        }
        return values
    }

    // MARK: Writing

    private func write(_ db: Database) throws {
        for name in totalsOrder {
            guard let state = totals[name] else { continue }
            var values: [(String, DatabaseValue)] = [
                ("skill_name", name.databaseValue),
                ("total_invocations", state.total.databaseValue),
                ("completed_invocations", state.completed.databaseValue),
                ("abandoned_invocations", state.abandoned.databaseValue),
                ("total_duration_seconds", state.totalDuration.databaseValue),
                ("first_invoked", state.firstInvoked.databaseValue),
                ("last_invoked", state.lastInvoked.databaseValue),
                ("first_seq", state.firstSeq.databaseValue),
                ("last_seq", state.lastSeq.databaseValue),
                ("duration_count", state.durationCount.databaseValue),
                ("min_duration_seconds", state.minimum?.databaseValue ?? .null),
                ("max_duration_seconds", state.maximum?.databaseValue ?? .null),
                ("completion_rate", (state.total == 0 ? 0.0 : Double(state.completed) / Double(state.total) * 100).databaseValue),
                ("avg_duration_seconds", (state.completed == 0 ? 0.0 : state.totalDuration / Double(state.completed)).databaseValue),
            ]
            if !state.newDurations.isEmpty {
                values += try Self.percentileValues(name, state, db)
            }
            try Self.upsert(values, into: "skill_totals", conflict: ["skill_name"], db)
        }
        for id in keysOrder {
            guard let row = keys[id] else { continue }
            try Self.upsert(row.databaseValues, into: "skill_key_count", conflict: ["skill_name", "field", "key"], db)
        }
        for id in sessionsOrder {
            guard let row = sessions[id] else { continue }
            try Self.upsert(row.databaseValues, into: "session_skill", conflict: ["session_id", "skill_name"], db)
        }
        for id in pathsOrder {
            guard let entry = paths[id] else { continue }
            // A new pair is INSERTed (its trigger writes the FTS row); a stored one is updated.
            if entry.isNew {
                try Self.upsert(entry.row.databaseValues, into: "skill_workflow_path", conflict: ["id"], db)
            } else {
                try db.cachedStatement(sql: """
                    UPDATE skill_workflow_path SET invocation_count = ?, completed_count = ?, total_duration_seconds = ?
                    WHERE id = ?
                    """).execute(arguments: [
                        entry.row.invocationCount, entry.row.completedCount, entry.row.totalDurationSeconds, entry.row.id,
                    ])
            }
        }
    }

    /// INSERT … ON CONFLICT DO UPDATE of the given columns (no DELETE: no trigger sees a removal).
    private static func upsert(
        _ values: [(String, DatabaseValue)], into table: String, conflict: [String], _ db: Database
    ) throws {
        let columns = values.map(\.0)
        let updates = columns.filter { !conflict.contains($0) }.map { "\($0) = excluded.\($0)" }
        let statement = try db.cachedStatement(sql: """
            INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
            ON CONFLICT (\(conflict.joined(separator: ", "))) DO UPDATE SET \(updates.joined(separator: ", "))
            """)
        try statement.execute(arguments: StatementArguments(values.map(\.1)))
    }
}
