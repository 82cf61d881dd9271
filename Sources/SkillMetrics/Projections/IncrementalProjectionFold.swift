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

    private var keys: [KeyID: KeyDelta] = [:]
    private var keysOrder: [KeyID] = []
    private var sessions: [PairID: PairDelta] = [:]
    private var sessionsOrder: [PairID] = []
    private var paths: [PairID: PairDelta] = [:]
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
            count(KeyID(skill: event.skillName, field: .workflowPaths, key: path), event.seq, 0)
        }
        if let error = event.errorType, !error.isEmpty {
            count(KeyID(skill: event.skillName, field: .commonErrors, key: error), event.seq, 0)
        }
        for (index, action) in event.followUpActions.enumerated() {
            count(KeyID(skill: event.skillName, field: .followUpActions, key: action), event.seq, index)
        }
        if let session = event.sessionID {
            applySession(PairID(first: session, second: event.skillName), event)
        }
        applyPath(PairID(first: event.skillName, second: event.workflowPath ?? ""), event)
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

    private mutating func count(_ id: KeyID, _ seq: Int64, _ index: Int) {
        if let existing = keys.index(forKey: id) {
            keys.values[existing].count += 1
            return
        }
        keysOrder.append(id)
        keys[id] = KeyDelta(count: 1, firstSeq: seq, firstIndex: index)
    }

    private mutating func applySession(_ id: PairID, _ event: ProjectionEvent) {
        if let existing = sessions.index(forKey: id) {
            sessions.values[existing].count += 1
            sessions.values[existing].lastInvokedAt = event.invokedAt
            sessions.values[existing].lastSeq = event.seq
            if let duration = event.durationSeconds {
                sessions.values[existing].addends.append(duration)
                sessions.values[existing].totalFromZero += duration
            }
            return
        }
        sessionsOrder.append(id)
        sessions[id] = PairDelta(
            count: 1, completed: 0, firstInvokedAt: event.invokedAt, lastInvokedAt: event.invokedAt,
            firstSeq: event.seq, lastSeq: event.seq, addends: event.durationSeconds.map { [$0] } ?? [],
            totalFromZero: 0.0 + (event.durationSeconds ?? 0.0))
    }

    private mutating func applyPath(_ id: PairID, _ event: ProjectionEvent) {
        // The trigger adds `0.0 + duration` of a completed event with a duration, else 0.0
        // (adding 0.0 changes no sum the triggers can produce, so only the others are kept).
        let contributes = event.completed && event.durationSeconds != nil
        let duration = 0.0 + (event.completed ? (event.durationSeconds ?? 0.0) : 0.0)
        let completed = event.completed ? 1 : 0
        if let existing = paths.index(forKey: id) {
            paths.values[existing].count += 1
            paths.values[existing].completed += completed
            paths.values[existing].lastSeq = event.seq
            if contributes { paths.values[existing].addends.append(duration) }
            paths.values[existing].totalFromZero += duration
            return
        }
        pathsOrder.append(id)
        paths[id] = PairDelta(
            count: 1, completed: completed, firstInvokedAt: event.invokedAt, lastInvokedAt: event.invokedAt,
            firstSeq: event.seq, lastSeq: event.seq, addends: contributes ? [duration] : [],
            totalFromZero: duration)
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
        try writeKeys(db)
        try writeSessions(db)
        try writePaths(db)
    }

    /// Most chained additions an UPDATE carries; a pair with more reads its stored sum first.
    private static let maximumChainedAddends = 4

    /// `column + ?n + ?n+1 …` (evaluated left to right, as the triggers add one event at a time).
    private static func chain(_ column: String, from first: Int, count: Int) -> String {
        var expression = column
        for parameter in first..<(first + count) { expression = "(\(expression) + ?\(parameter))" }
        return expression
    }

    /// Count rows: an UPDATE adding the batch's count (the stored first position is earlier
    /// than any of the batch's), or an INSERT of a key the skill never had. No read.
    private func writeKeys(_ db: Database) throws {
        let update = try RawStatement(db, """
            UPDATE skill_key_count SET count = count + ?1 WHERE skill_name = ?2 AND field = ?3 AND key = ?4
            """)
        let insert = try RawStatement(db, """
            INSERT INTO skill_key_count (skill_name, field, key, count, first_seq, first_index)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            """)
        for id in keysOrder {
            guard let delta = keys[id] else { continue }
            update.reset()
            update.bind(1, delta.count)
            update.bind(2, id.skill)
            update.bind(3, id.field.rawValue)
            update.bind(4, id.key)
            if try update.execute(db) > 0 { continue }
            insert.reset()
            insert.bind(1, id.skill)
            insert.bind(2, id.field.rawValue)
            insert.bind(3, id.key)
            insert.bind(4, delta.count)
            insert.bind(5, delta.firstSeq)
            insert.bind(6, delta.firstIndex)
            _ = try insert.execute(db)
        }
    }

    /// `session_skill`: an UPDATE that adds the batch's durations one by one in SQL (so the
    /// stored sum need not be read), or an INSERT of a new pair. A pair with many durations in
    /// the batch reads its stored sum once and adds them in Swift.
    private func writeSessions(_ db: Database) throws {
        var updates: [Int: RawStatement] = [:]
        func update(_ addends: Int?) throws -> RawStatement {
            let key = addends ?? -1
            if let statement = updates[key] { return statement }
            let total = addends.map { Self.chain("total_duration_seconds", from: 6, count: $0) } ?? "?6"
            let statement = try RawStatement(db, """
                UPDATE session_skill SET invocation_count = invocation_count + ?1, last_invoked_at = ?2,
                    last_seq = ?3, total_duration_seconds = \(total)
                WHERE session_id = ?4 AND skill_name = ?5
                """)
            updates[key] = statement
            return statement
        }
        let read = try RawStatement(db, """
            SELECT total_duration_seconds FROM session_skill WHERE session_id = ?1 AND skill_name = ?2
            """)
        let insert = try RawStatement(db, """
            INSERT INTO session_skill (session_id, skill_name, invocation_count, first_invoked_at,
                last_invoked_at, total_duration_seconds, first_seq, last_seq)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            """)
        for id in sessionsOrder {
            guard let delta = sessions[id] else { continue }
            var stored: Double?
            let chained = delta.addends.count <= Self.maximumChainedAddends
            if !chained {
                read.reset()
                read.bind(1, id.first)
                read.bind(2, id.second)
                stored = try read.fetchDouble(db, table: "session_skill", key: "(\(id.first), \(id.second))")
            }
            if chained || stored != nil {
                let statement = try update(chained ? delta.addends.count : nil)
                statement.reset()
                statement.bind(1, delta.count)
                statement.bind(2, delta.lastInvokedAt)
                statement.bind(3, delta.lastSeq)
                statement.bind(4, id.first)
                statement.bind(5, id.second)
                if let stored {
                    statement.bind(6, delta.addends.reduce(stored, +))
                } else {
                    for (offset, addend) in delta.addends.enumerated() { statement.bind(CInt(6 + offset), addend) }
                }
                if try statement.execute(db) > 0 { continue }
            }
            insert.reset()
            insert.bind(1, id.first)
            insert.bind(2, id.second)
            insert.bind(3, delta.count)
            insert.bind(4, delta.firstInvokedAt)
            insert.bind(5, delta.lastInvokedAt)
            insert.bind(6, delta.totalFromZero)
            insert.bind(7, delta.firstSeq)
            insert.bind(8, delta.lastSeq)
            _ = try insert.execute(db)
        }
    }

    /// `skill_workflow_path`, as ``writeSessions(_:)``: a new pair is INSERTed (its trigger
    /// writes the FTS row) with the seq of its first event as id.
    private func writePaths(_ db: Database) throws {
        var updates: [Int: RawStatement] = [:]
        func update(_ addends: Int?) throws -> RawStatement {
            let key = addends ?? -1
            if let statement = updates[key] { return statement }
            let total = addends.map { Self.chain("total_duration_seconds", from: 5, count: $0) } ?? "?5"
            let statement = try RawStatement(db, """
                UPDATE skill_workflow_path SET invocation_count = invocation_count + ?1,
                    completed_count = completed_count + ?2, total_duration_seconds = \(total)
                WHERE skill_name = ?3 AND workflow_path = ?4
                """)
            updates[key] = statement
            return statement
        }
        let read = try RawStatement(db, """
            SELECT total_duration_seconds FROM skill_workflow_path WHERE skill_name = ?1 AND workflow_path = ?2
            """)
        let insert = try RawStatement(db, """
            INSERT INTO skill_workflow_path (id, skill_name, workflow_path, invocation_count, completed_count,
                total_duration_seconds)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            """)
        for id in pathsOrder {
            guard let delta = paths[id] else { continue }
            var stored: Double?
            let chained = delta.addends.count <= Self.maximumChainedAddends
            if !chained {
                read.reset()
                read.bind(1, id.first)
                read.bind(2, id.second)
                stored = try read.fetchDouble(db, table: "skill_workflow_path", key: "(\(id.first), \(id.second))")
            }
            if chained || stored != nil {
                let statement = try update(chained ? delta.addends.count : nil)
                statement.reset()
                statement.bind(1, delta.count)
                statement.bind(2, delta.completed)
                statement.bind(3, id.first)
                statement.bind(4, id.second)
                if let stored {
                    statement.bind(5, delta.addends.reduce(stored, +))
                } else {
                    for (offset, addend) in delta.addends.enumerated() { statement.bind(CInt(5 + offset), addend) }
                }
                if try statement.execute(db) > 0 { continue }
            }
            insert.reset()
            insert.bind(1, delta.firstSeq)
            insert.bind(2, id.first)
            insert.bind(3, id.second)
            insert.bind(4, delta.count)
            insert.bind(5, delta.completed)
            insert.bind(6, delta.totalFromZero)
            _ = try insert.execute(db)
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
