import Foundation
import PostgresNIO
import SkillMetrics

/// `verify` and `rebuild` on the team log: the server's events streamed in seq order through
/// the core's Swift projectors (memory bounded by skills, sessions and keys, never by events),
/// compared with, or written over, what the PL/pgSQL triggers stored.
public struct TeamLogProjections: Sendable {
    /// The outcome of a verification.
    public struct Verification: Sendable {
        public var events: Int
        public var skills: Int
        public var sessionSkills: Int
        /// Every field that differs (empty when the projections match the log).
        public var differences: [ProjectionDifference]
        public var isConsistent: Bool { differences.isEmpty }
    }

    /// The recomputed projections (fold and percentiles) as of the end of the log.
    struct Recomputed {
        var projections = ProjectionSet()
        /// Keyed by the skill name's bytes (Swift's `==` equates canonically equivalent names).
        var percentiles: [[UInt8]: DurationPercentiles] = [:]
    }

    public init() {}

    /// Folds the server's log (in the caller's transaction, so on one snapshot).
    ///
    /// The events come in seq order, in chunks of ``chunkSize`` sent as one row of aggregates
    /// (``ServerArrayChunk``), the next chunk fetched while this one folds; their texts are
    /// interned straight from the chunk's bytes. The percentiles need only a few sorted
    /// positions of each skill's durations: the server numbers every skill's durations in the
    /// order (duration, seq) along the duration index, in one scan, and sends the values at
    /// those positions (``durations(_:)``), on a second connection that reads the same snapshot
    /// while the events fold; they are offered to the core's ``SortedDurationStream`` at those
    /// positions (NaN for one the server did not send, so it shows as a difference, never as a
    /// silent match).
    func recompute(_ log: TeamLogConnection) async throws -> Recomputed {
        do {
            return try await recomputeOnSnapshot(log)
        } catch let error as TeamLogError {
            // A helper connection fails first when `log`'s is gone (its snapshot with it:
            // "invalid snapshot identifier"): name the lost connection instead.
            if case .connectionLost = error { throw error }
            throw await log.connectionLoss("reading the team log") ?? error
        }
    }

    private func recomputeOnSnapshot(_ log: TeamLogConnection) async throws -> Recomputed {
        var recomputed = Recomputed()
        // The durations are read on a second connection, on this transaction's snapshot, while
        // this one streams the events (the server computes the positions from each skill's count
        // as the core does, so the query does not wait for the fold).
        let snapshot = try await log.exportSnapshot()
        async let durationsAlongside = Self.durationsOnSecondConnection(log, snapshot: snapshot)
        try await Self.foldEvents(log, snapshot: snapshot, into: &recomputed.projections)
        let durations: Durations
        if let read = try await durationsAlongside {
            durations = read
        } else {
            durations = try await Self.durations(log)
        }
        for row in recomputed.projections.skillMetrics.rows where row.durationCount > 0 {
            let found = durations[Array(row.skillName.utf8)]
            guard let found, found.count == row.durationCount else {
                throw TeamLogError.invalidRow("skill \(JSONWriter.quoted(row.skillName)): \(found?.count ?? 0) durations, the fold counted \(row.durationCount)")
            }
            var stream = SortedDurationStream(count: row.durationCount)
            for position in Self.percentilePositions(count: row.durationCount).sorted() {
                stream.offer(found.at[position] ?? .nan, at: position)
            }
            recomputed.percentiles[Array(row.skillName.utf8)] = stream.result
        }
        return recomputed
    }

    /// Events per chunk of a bulk read (one row of arrays from the server).
    static let chunkSize = 5_000

    /// Folds every event, in seq order, in chunks of at most ``chunkSize`` events, each one row
    /// of aggregates (``ServerArrayChunk``).
    ///
    /// When the seqs are dense enough (at most twice as many seq values as events between the
    /// first and the last), the chunks are seq ranges known in advance: two connections on the
    /// same snapshot (`log` and a helper that imports `snapshot`) fetch alternate ranges, two
    /// chunks in flight while one folds, so that the server's work for a chunk overlaps the
    /// fold of the one before. Otherwise (or without a helper connection), a keyset on seq, one
    /// chunk fetched while the other folds.
    private static func foldEvents(_ log: TeamLogConnection, snapshot: String, into projections: inout ProjectionSet) async throws {
        guard let boundsRow = try await log.rows(
            "SELECT min(seq), max(seq), count(*) FROM skill_invocation", "reading the team log").first else { return }
        let bounds = ServerRow(boundsRow, "skill_invocation bounds")
        guard let first = try bounds.value(0, Int64?.self), let last = try bounds.value(1, Int64?.self) else { return }
        let count = try bounds.value(2, Int64.self)
        let (span, overflow) = last.subtractingReportingOverflow(first)
        let chunk = Int64(chunkSize)
        guard !overflow, span / 2 <= count, last < Int64.max - 2 * chunk, let helper = try? await log.connectAgain() else {
            try await foldEventsByKeyset(log, into: &projections)
            return
        }
        do {
            try await helper.transaction("reading the team log") {
                try await helper.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", "reading the team log")
                try await helper.importSnapshot(snapshot)
                let connections = [log, helper]
                let ranges = Int(span / chunk) + 1
                func request(_ index: Int) -> Task<ServerArrayChunk, any Error> {
                    let connection = connections[index % connections.count]
                    let low = first + Int64(index) * chunk
                    return Task { try await eventChunk(connection, .between(low, low + chunk)) }
                }
                var pending: [Task<ServerArrayChunk, any Error>] = (0..<min(ranges, connections.count)).map(request)
                defer { for task in pending { task.cancel() } }
                var after = Int64.min
                var index = 0
                while !pending.isEmpty {
                    let chunk = try await pending.removeFirst().value
                    // Its connection is free: the range after the one in flight goes to it.
                    if index + connections.count < ranges { pending.append(request(index + connections.count)) }
                    try fold(chunk, after: &after, into: &projections)
                    index += 1
                }
            }
            await helper.close()
        } catch {
            await helper.close()
            throw error
        }
    }

    /// ``foldEvents(_:snapshot:into:)`` on one connection: a keyset on seq, the next chunk
    /// fetched while this one folds.
    private static func foldEventsByKeyset(_ log: TeamLogConnection, into projections: inout ProjectionSet) async throws {
        var after = Int64.min
        var next = try await eventChunk(log, .after(after))
        while next.count > 0 {
            let chunk = next
            let last = try chunk.lastInt8(0)
            let full = chunk.count == chunkSize
            async let following = full ? eventChunk(log, .after(last)) : ServerArrayChunk("skill_invocation")
            try fold(chunk, after: &after, into: &projections)
            next = try await following
        }
    }

    /// Folds a chunk's events (their seqs must rise from `after` on; `after` ends at the last),
    /// each as the seq `foldSeq` gives for its server seq. The chunk's first nine columns are
    /// seq, skill_name, invoked_at, workflow_path, the flags (completed 1, finished 2, NULL
    /// workflow_path 4, error_type 8, session_id 16), duration_seconds, error_type, session_id
    /// and follow_up_actions. Each event is checked against the event rules as it goes
    /// (``ServerEventRules``; with the stored columns — id, schema_version, user_context,
    /// completed and finished as stored — those too, see ``eventChunk(_:_:storedColumns:)``):
    /// the first one broken throws ``TeamLogError/badEvent(seq:id:field:value:reason:)``.
    /// `checkStoredColumns` false (a `pull` clone, whose writer meets the local schema's CHECKs
    /// on those columns anyway) leaves the stored columns to the writer.
    static func fold(
        _ chunk: ServerArrayChunk, after: inout Int64, into projections: inout ProjectionSet,
        checkStoredColumns: Bool = true, foldSeq: (Int64) -> Int64 = { $0 }
    ) throws {
        typealias C = LocalEventInserter.ChunkColumn
        let stored = checkStoredColumns && chunk.columnCount > C.finished
        /// `error` with the id of the chunk's row `index` when it names none and the chunk holds
        /// ids (a clone's, whose stored columns the fold did not read).
        func named(_ error: TeamLogError, row index: Int) -> TeamLogError {
            guard case .badEvent(let seq, nil, let field, let value, let reason) = error, chunk.columnCount > C.id,
                  let id = try? chunk.withColumns({ columns -> String in
                      for _ in 0..<index { _ = try columns.text(C.id) }
                      return String(decoding: try columns.text(C.id), as: UTF8.self)
                  })
            else { return error }
            return .badEvent(seq: seq, id: id, field: field, value: value, reason: reason)
        }
        try chunk.withColumns { columns in
            for index in 0..<chunk.count {
                let seq = try columns.int8(0)
                guard seq > after else {
                    throw TeamLogError.invalidRow("skill_invocation: seq \(seq) came after seq \(after)")
                }
                after = seq
                let skill = try columns.text(1), invokedAt = try columns.text(2)
                let path = try columns.optionalText(3)
                let flags = try columns.int4(4)
                let duration = try columns.optionalFloat8(5)
                let error = try columns.optionalText(6), session = try columns.optionalText(7)
                let actions = try columns.text(8)
                var id: UnsafeBufferPointer<UInt8>?, schemaVersion: Int64?, userContext: UnsafeBufferPointer<UInt8>?
                var completed: Int64 = flags & 1, finished: Int64 = flags & 2 == 0 ? 0 : 1
                if stored {
                    id = try columns.text(C.id)
                    schemaVersion = try columns.int4(C.schemaVersion)
                    let context = try columns.optionalText(C.userContext)
                    userContext = flags & 32 != 0 ? nil : context
                    completed = try columns.int4(C.completed)
                    finished = try columns.int4(C.finished)
                }
                if let violation = ServerEventRules.violation(
                    seq: seq, id: id, invokedAt: invokedAt, completed: completed, finished: finished, durationSeconds: duration,
                    followUpActions: nil, schemaVersion: schemaVersion, userContext: userContext) {
                    throw named(violation, row: index)
                }
                func nullable(_ text: UnsafeBufferPointer<UInt8>?, _ nullFlag: Int64, _ column: String) throws -> UnsafeBufferPointer<UInt8>? {
                    if flags & nullFlag != 0 { return nil }
                    guard let text else { throw TeamLogError.invalidRow("skill_invocation seq \(seq): \(column) NULL in one column and not in the other") }
                    return text
                }
                let folded = projections.apply(StoredEventBytes(
                    seq: foldSeq(seq), skillName: skill, invokedAt: invokedAt, workflowPath: try nullable(path, 4, "workflow_path"),
                    completed: flags & 1 != 0, durationSeconds: duration, errorType: try nullable(error, 8, "error_type"),
                    sessionID: try nullable(session, 16, "session_id"), followUpActions: actions, finished: flags & 2 != 0))
                guard folded else {
                    throw named(.badEvent(
                        seq: seq, id: id.map { String(decoding: $0, as: UTF8.self) }, field: "follow_up_actions",
                        value: String(decoding: actions, as: UTF8.self), reason: "not a JSON array of strings"), row: index)
                }
            }
        }
    }

    /// Which events a chunk holds.
    enum EventRange: Sendable {
        /// The first ``chunkSize`` with seq > the value.
        case after(Int64)
        /// Those with low ≤ seq < high (at most ``chunkSize`` when high − low is that).
        case between(Int64, Int64)
    }

    /// The events of `range` in seq order, as one row read into a chunk: seq and duration as
    /// arrays; the flags (completed, finished, and which nullable texts are NULL) as an array
    /// of bit sets; the texts joined (``ServerArrayChunk``), read again as arrays when a text
    /// holds the separator. Empty (count 0) when the range holds no event. With
    /// `storedColumns` (a `pull` clone), also id, schema_version, user_context (flag 32 when
    /// NULL), completed and finished as stored (``LocalEventInserter/ChunkColumn``).
    ///
    /// Without them (`verify`), the flags carry bit 64 for an event whose stored columns are
    /// not plain — an id not of 1 to 200 bytes, schema_version below 1, completed or
    /// finished not 0 or 1, or a user context — computed by the server; a chunk with such an
    /// event is fetched again with its stored columns, so that ``fold(_:after:into:checkStoredColumns:foldSeq:)``
    /// checks them in Swift (``ServerEventRules``). Fetching them for every chunk cost verify
    /// ~1.4 s at 1M events (3.6 → 5.1 s); the bit costs the server a length and four comparisons
    /// a row.
    static func eventChunk(_ log: TeamLogConnection, _ range: EventRange, storedColumns: Bool = false) async throws(TeamLogError) -> ServerArrayChunk {
        var chunk = ServerArrayChunk("skill_invocation")
        guard let row = try await eventChunkRow(log, range, joined: true, storedColumns: storedColumns) else { return chunk }
        try chunk.load(row)
        if chunk.isAmbiguous, let arrays = try await eventChunkRow(log, range, joined: false, storedColumns: storedColumns) {
            try chunk.load(arrays)
        }
        if !storedColumns, try chunk.anyFlag(Self.unplainFlag, column: LocalEventInserter.ChunkColumn.flags) {
            return try await eventChunk(log, range, storedColumns: true)
        }
        return chunk
    }

    /// The flag bit of an event whose stored columns the rules must see (``eventChunk(_:_:storedColumns:)``).
    static let unplainFlag: Int64 = 64

    private static func eventChunkRow(
        _ log: TeamLogConnection, _ range: EventRange, joined: Bool, storedColumns: Bool
    ) async throws(TeamLogError) -> PostgresRow? {
        func text(_ column: String, nullable: Bool) -> String {
            guard joined else { return "array_agg(\(column)) AS \(column)" }
            return "string_agg(\(nullable ? "coalesce(\(column), '')" : column), E'\\x01') AS \(column)"
        }
        var aggregates = """
            array_agg(seq) AS seq, \(text("skill_name", nullable: false)), \(text("invoked_at", nullable: false)),
            \(text("workflow_path", nullable: true)),
            array_agg((completed <> 0)::int + 2 * (finished <> 0)::int + 4 * (workflow_path IS NULL)::int
                      + 8 * (error_type IS NULL)::int + 16 * (session_id IS NULL)::int
                      + \(storedColumns ? "32 * (user_context IS NULL)::int" : "\(unplainFlag) * (NOT (octet_length(id) BETWEEN 1 AND 200 AND schema_version >= 1 AND completed IN (0, 1) AND finished IN (0, 1) AND user_context IS NULL))::int")) AS flags,
            array_agg(duration_seconds) AS duration_seconds, \(text("error_type", nullable: true)),
            \(text("session_id", nullable: true)), \(text("follow_up_actions", nullable: false))
            """
        let columns = """
            seq, skill_name, invoked_at, workflow_path, completed, duration_seconds, error_type, session_id,
            follow_up_actions, finished, id, schema_version, user_context
            """
        if storedColumns {
            aggregates += """
                , \(text("id", nullable: false)), array_agg(schema_version) AS schema_version,
                \(text("user_context", nullable: true)), array_agg(completed) AS completed, array_agg(finished) AS finished
                """
        }
        switch range {
        case .after(let after):
            return try await log.rows("""
                SELECT \(unescaped: aggregates)
                FROM (SELECT \(unescaped: columns) FROM skill_invocation WHERE seq > \(after) ORDER BY seq LIMIT \(chunkSize)) AS e
                """, "reading the team log").first
        case .between(let low, let high):
            return try await log.rows("""
                SELECT \(unescaped: aggregates)
                FROM (SELECT \(unescaped: columns) FROM skill_invocation WHERE seq >= \(low) AND seq < \(high)
                      ORDER BY seq LIMIT \(chunkSize)) AS e
                """, "reading the team log").first
        }
    }

    /// Each skill's duration count and its durations at the sorted positions the percentiles
    /// read, keyed by the skill name's bytes.
    typealias Durations = [[UInt8]: (count: Int, at: [Int: Double])]

    /// ``durations(_:)`` on a second connection to the same server, in a read-only transaction
    /// on `snapshot` (exported by `log`'s transaction, so both read the same log). Nil when a
    /// second connection cannot be made (the caller then reads them on its own connection).
    private static func durationsOnSecondConnection(_ log: TeamLogConnection, snapshot: String) async throws -> Durations? {
        guard let second = try? await log.connectAgain() else { return nil }
        do {
            let read = try await second.transaction("reading durations") {
                try await second.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", "reading durations")
                try await second.importSnapshot(snapshot)
                return try await durations(second)
            }
            await second.close()
            return read
        } catch {
            await second.close()
            throw error
        }
    }

    /// Every skill's duration count and the durations at the sorted positions
    /// ``percentilePositions(count:)`` lists, in one scan of the duration index: the server
    /// numbers each skill's durations in the order (duration, seq) and computes the positions
    /// from the count with the same double arithmetic (k = (n-1)·p, its floor and the next).
    ///
    /// The index (V5 on) is ordered by `hashtext(skill_name)`, not by the name, so the scan
    /// numbers the rows of each hash. Each numbered row carries the least and greatest name of
    /// its hash; where they differ (two skills whose names share a hash) that hash's skills
    /// are numbered again by name, in a second query over their rows only.
    static func durations(_ log: TeamLogConnection) async throws -> Durations {
        var values: Durations = [:]
        var sharedHashes: [Int32] = []
        for postgresRow in try await log.rows("""
            SELECT d.skill_name, d.pos, d.n, d.duration_seconds, d.h, d.first_name = d.last_name
            FROM (SELECT i.skill_name, i.duration_seconds, hashtext(i.skill_name) AS h,
                         row_number() OVER (PARTITION BY hashtext(i.skill_name) ORDER BY i.duration_seconds, i.seq) - 1 AS pos,
                         count(*) OVER (PARTITION BY hashtext(i.skill_name)) AS n,
                         min(i.skill_name) OVER (PARTITION BY hashtext(i.skill_name)) AS first_name,
                         max(i.skill_name) OVER (PARTITION BY hashtext(i.skill_name)) AS last_name
                  FROM skill_invocation i
                  WHERE i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL) AS d
            \(unescaped: positionsRead)
            """, "reading durations") {
            // One row per hash and position read (a few per skill): decoded cell by cell.
            let row = ServerRow(postgresRow, "durations")
            guard try row.value(5, Bool.self) else {
                let hash = try row.value(4, Int32.self)
                if !sharedHashes.contains(hash) { sharedHashes.append(hash) }
                continue
            }
            try record(row, into: &values)
        }
        guard !sharedHashes.isEmpty else { return values }
        for postgresRow in try await log.rows("""
            SELECT d.skill_name, d.pos, d.n, d.duration_seconds
            FROM (SELECT i.skill_name, i.duration_seconds,
                         row_number() OVER (PARTITION BY i.skill_name ORDER BY i.duration_seconds, i.seq) - 1 AS pos,
                         count(*) OVER (PARTITION BY i.skill_name) AS n
                  FROM skill_invocation i
                  WHERE hashtext(i.skill_name) = ANY(\(sharedHashes)::int4[])
                    AND i.completed = 1 AND i.finished = 1 AND i.duration_seconds IS NOT NULL) AS d
            \(unescaped: positionsRead)
            """, "reading the durations of skills whose names share a hash") {
            try record(ServerRow(postgresRow, "durations"), into: &values)
        }
        return values
    }

    /// The numbered rows ``durations(_:)`` keeps: the positions ``percentilePositions(count:)``
    /// lists, computed by the server from the count `n` with the same double arithmetic.
    private static let positionsRead = """
        WHERE d.pos IN (0, d.n - 1,
                        floor((d.n - 1)::float8 * '0.5'::float8), floor((d.n - 1)::float8 * '0.5'::float8) + 1,
                        floor((d.n - 1)::float8 * '0.95'::float8), floor((d.n - 1)::float8 * '0.95'::float8) + 1,
                        floor((d.n - 1)::float8 * '0.99'::float8), floor((d.n - 1)::float8 * '0.99'::float8) + 1)
        """

    /// Adds a durations row (skill name, position, count, duration) to `values`.
    private static func record(_ row: ServerRow, into values: inout Durations) throws {
        let skill = Array(try row.value(0, String.self).utf8)
        let count = try row.value(2, Int.self), position = try row.value(1, Int.self)
        values[skill, default: (count, [:])].at[position] = try row.value(3, Double.self)
    }

    /// The sorted positions numpy's linear method reads for min, max, p50, p95 and p99 of
    /// `count` values (DESIGN.md section 3: k = (n-1)·p, f = floor(k), c = min(f+1, n-1)).
    static func percentilePositions(count: Int) -> Set<Int> {
        var positions: Set<Int> = [0, count - 1]
        for fraction in [50.0 / 100.0, 95.0 / 100.0, 99.0 / 100.0] {
            let f = Int((Double(count - 1) * fraction).rounded(.down))
            positions.insert(f)
            positions.insert(Swift.min(f + 1, count - 1))
        }
        return positions
    }

    /// Recomputes the projections from the server's events and compares them with the stored
    /// ones, bit for bit (doubles by bit pattern, text by bytes, count keys in order).
    public func verify(_ log: TeamLogConnection) async throws -> Verification {
        try await log.transaction("verifying") {
            try await log.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", "verifying")
            // A seq below 1 (inserted with OVERRIDING SYSTEM VALUE) is refused, as pull refuses it.
            try await TeamLogPull.requirePositiveSeqs(log)
            try await Self.requireDistinctIDs(log)
            let recomputed = try await recompute(log)
            var differences: [ProjectionDifference] = []
            try await compareSkills(recomputed, log, &differences)
            try await compareSessions(recomputed, log, &differences)
            return Verification(
                events: recomputed.projections.eventCount,
                skills: recomputed.projections.skillMetrics.rows.count,
                sessionSkills: recomputed.projections.sessionSkills.rowCount,
                differences: differences)
        }
    }

    /// Throws ``TeamLogError/badEvent(seq:id:field:value:reason:)`` for the first id two events
    /// share. Instant while the log's unique index on `id` is there (it keeps them distinct);
    /// one grouping pass over the log when it is gone (dropped by hand).
    static func requireDistinctIDs(_ log: TeamLogConnection) async throws(TeamLogError) {
        let indexed = try await log.rows("""
            SELECT EXISTS (
                SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                WHERE i.indrelid = to_regclass('skill_invocation') AND i.indisunique AND i.indisvalid
                  AND i.indnkeyatts = 1 AND i.indexprs IS NULL AND i.indpred IS NULL AND a.attname = 'id')
            """, "checking the team log's id index")
        if let row = indexed.first, try ServerRow(row, "pg_index").value(0, Bool.self) { return }
        let shared = try await log.rows("""
            SELECT min(seq), max(seq), id FROM skill_invocation GROUP BY id HAVING count(*) > 1 ORDER BY min(seq) LIMIT 1
            """, "looking for ids two events share")
        guard let first = shared.first else { return }
        let row = ServerRow(first, "skill_invocation")
        throw .badEvent(
            seq: try row.value(1, Int64.self), id: try row.value(2, String.self), field: "id", value: nil,
            reason: "also the id of seq \(try row.value(0, Int64.self)) (the log's unique index on id is gone)")
    }

    /// Replaces the stored projections with the recomputed ones, in one transaction under the
    /// writers' lock (appends wait until it commits). Returns the verification of the result's input.
    @discardableResult
    public func rebuild(_ log: TeamLogConnection) async throws -> (events: Int, skills: Int, sessionSkills: Int) {
        try await log.transaction("rebuilding") {
            try await log.lockWriters()
            let recomputed = try await recompute(log)
            try await log.execute("DELETE FROM skill_key_count", "rebuilding")
            try await log.execute("DELETE FROM session_skill", "rebuilding")
            try await log.execute("DELETE FROM skill_totals", "rebuilding")
            for row in recomputed.projections.skillMetrics.rows {
                let p = recomputed.percentiles[Array(row.skillName.utf8)]
                try await log.execute("""
                    INSERT INTO skill_totals (skill_name, total_invocations, completed_invocations,
                        abandoned_invocations, total_duration_seconds, first_invoked, last_invoked, first_seq,
                        last_seq, duration_count, min_duration_seconds, max_duration_seconds,
                        p50_duration_seconds, p95_duration_seconds, p99_duration_seconds)
                    VALUES (\(row.skillName), \(row.totalInvocations), \(row.completedInvocations),
                        \(row.abandonedInvocations), \(row.totalDurationSeconds), \(row.firstInvoked),
                        \(row.lastInvoked), \(row.firstSeq), \(row.lastSeq), \(row.durationCount),
                        \(p?.min), \(p?.max), \(p?.p50), \(p?.p95), \(p?.p99))
                    """, "rebuilding skill_totals")
                for (field, counts) in [("workflow_paths", row.workflowPaths), ("common_errors", row.commonErrors),
                                        ("follow_up_actions", row.followUpActions)] where !counts.isEmpty {
                    let keys = counts.entries.map(\.key)
                    let values = counts.entries.map(\.count)
                    try await log.execute("""
                        INSERT INTO skill_key_count (skill_name, field, key, count, first_seq, first_index)
                        SELECT \(row.skillName), \(field), k.key, k.count, \(row.firstSeq), k.ord - 1
                        FROM unnest(\(keys)::text[], \(values)::bigint[]) WITH ORDINALITY AS k(key, count, ord)
                        """, "rebuilding skill_key_count")
                }
            }
            for row in recomputed.projections.sessionSkills.rows {
                try await log.execute("""
                    INSERT INTO session_skill (session_id, skill_name, invocation_count, first_invoked_at,
                        last_invoked_at, total_duration_seconds, first_seq, last_seq)
                    VALUES (\(row.sessionID), \(row.skillName), \(row.invocationCount), \(row.firstInvokedAt),
                        \(row.lastInvokedAt), \(row.totalDurationSeconds), \(row.firstSeq), \(row.lastSeq))
                    """, "rebuilding session_skill")
            }
            try await repositionPercentileCursors(log)
            return (recomputed.projections.eventCount, recomputed.projections.skillMetrics.rows.count,
                    recomputed.projections.sessionSkills.rowCount)
        }
    }

    /// Positions the percentile cursors (schema V2) afresh for the rebuilt skill_totals, so the
    /// next batch moves them from the log as it is (nothing to do on a V1 server, which has none).
    private func repositionPercentileCursors(_ log: TeamLogConnection) async throws(TeamLogError) {
        guard let row = try await log.rows("SELECT to_regclass('skill_percentile_cursor') IS NOT NULL", "rebuilding").first,
              try ServerRow(row, "rebuilding").value(0, Bool.self) else { return }
        try await log.execute("DELETE FROM skill_percentile_cursor", "rebuilding the percentile cursors")
        try await log.execute(
            "SELECT sm_position_percentile_cursors(ARRAY(SELECT skill_name FROM skill_totals WHERE duration_count > 0))",
            "rebuilding the percentile cursors")
    }

    private func compareSkills(_ recomputed: Recomputed, _ log: TeamLogConnection, _ differences: inout [ProjectionDifference]) async throws {
        // Keyed by the name's bytes, as the server's "C" collation tells names apart.
        var stored: [[UInt8]: ServerSkill] = [:]
        for postgresRow in try await log.rows("""
            SELECT skill_name, total_invocations, completed_invocations, abandoned_invocations,
                   total_duration_seconds, first_invoked, last_invoked, first_seq, last_seq, duration_count,
                   min_duration_seconds, max_duration_seconds, p50_duration_seconds, p95_duration_seconds,
                   p99_duration_seconds
            FROM skill_totals
            """, "reading skill_totals") {
            let skill = try ServerSkill(postgresRow)
            stored[Array(skill.name.utf8)] = skill
        }
        for postgresRow in try await log.rows("""
            SELECT skill_name, field, key, count FROM skill_key_count
            ORDER BY skill_name, field, first_seq, first_index
            """, "reading skill_key_count") {
            let (name, field, key, count): (String, String, String, Int)
            do {
                (name, field, key, count) = try postgresRow.decode((String, String, String, Int).self)
            } catch {
                throw TeamLogError.invalidRow("skill_key_count: \(error)")
            }
            let nameBytes = Array(name.utf8)
            if stored[nameBytes] == nil { stored[nameBytes] = ServerSkill(orphan: name) }
            guard stored[nameBytes]?.counts[field, default: OrderedCounts()].addIfRepresentable(key, count: count) != false else {
                throw TeamLogError.invalidRow("skill_key_count: the counts of key \(key) in \(field) of \(name) add up past \(Int.max)")
            }
        }
        var seen = Set<[UInt8]>()
        for row in recomputed.projections.skillMetrics.rows {
            let nameBytes = Array(row.skillName.utf8)
            seen.insert(nameBytes)
            func difference(_ field: String, _ storedText: String, _ recomputedText: String) {
                differences.append(ProjectionDifference.make(
                    table: "skill_metrics", key: [row.skillName], field: field, stored: storedText, recomputed: recomputedText))
            }
            guard let skill = stored[nameBytes], !skill.isOrphan else {
                difference("(row)", "(missing)", "(present)")
                continue
            }
            let p = recomputed.percentiles[nameBytes]
            let integers: [(String, Int, Int)] = [
                ("total_invocations", skill.total, row.totalInvocations),
                ("completed_invocations", skill.completed, row.completedInvocations),
                ("abandoned_invocations", skill.abandoned, row.abandonedInvocations),
                ("first_seq", Int(skill.firstSeq), Int(row.firstSeq)),
                ("last_seq", Int(skill.lastSeq), Int(row.lastSeq)),
                ("duration_count", skill.durationCount, row.durationCount),
            ]
            for (field, a, b) in integers where a != b { difference(field, String(a), String(b)) }
            let doubles: [(String, Double?, Double?)] = [
                ("total_duration_seconds", skill.totalDuration, row.totalDurationSeconds),
                ("min_duration_seconds", skill.min, p?.min),
                ("max_duration_seconds", skill.max, p?.max),
                ("p50_duration_seconds", skill.p50, p?.p50),
                ("p95_duration_seconds", skill.p95, p?.p95),
                ("p99_duration_seconds", skill.p99, p?.p99),
            ]
            for (field, a, b) in doubles where a?.bitPattern != b?.bitPattern {
                difference(field, Self.render(a), Self.render(b))
            }
            let texts: [(String, String, String)] = [
                ("first_invoked", skill.firstInvoked, row.firstInvoked),
                ("last_invoked", skill.lastInvoked, row.lastInvoked),
            ]
            for (field, a, b) in texts where Array(a.utf8) != Array(b.utf8) {
                difference(field, JSONWriter.quoted(a), JSONWriter.quoted(b))
            }
            let dictionaries: [(String, OrderedCounts)] = [
                ("workflow_paths", row.workflowPaths), ("common_errors", row.commonErrors),
                ("follow_up_actions", row.followUpActions),
            ]
            for (field, counts) in dictionaries {
                let storedCounts = skill.counts[field] ?? OrderedCounts()
                if !Self.identical(storedCounts, counts) {
                    difference(field, storedCounts.sqliteJSON, counts.sqliteJSON)
                }
            }
        }
        for (nameBytes, skill) in stored.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) where !seen.contains(nameBytes) {
            differences.append(ProjectionDifference.make(
                table: "skill_metrics", key: [skill.name], field: "(row)", stored: "(present)", recomputed: "(missing)"))
        }
    }

    /// Compares the stored `session_skill` rows with the recomputed ones in one pass over the
    /// table, in whatever order the server returns them: each stored row finds its recomputed
    /// row by the bytes of its key (no `String` is made for a row that matches). Differences
    /// come in the order of the recomputed rows (missing rows included), then the stored rows
    /// that should not exist, sorted by key.
    private func compareSessions(_ recomputed: Recomputed, _ log: TeamLogConnection, _ differences: inout [ProjectionDifference]) async throws {
        let projector = recomputed.projections.sessionSkills
        var matched = [Bool](repeating: false, count: projector.rowCount)
        var differing: [Int: SessionSkillRow] = [:]
        var extra: [SessionSkillRow] = []
        var chunk = ServerArrayChunk("session_skill")
        var after: (session: [UInt8], skill: [UInt8])?
        var next = try await sessionChunk(log, after: nil)
        while let row = next {
            try chunk.load(row)
            if chunk.isAmbiguous, let arrays = try await sessionChunk(log, after: after, joined: false) {
                try chunk.load(arrays)
            }
            guard chunk.count > 0 else { break }
            let last = try chunk.withColumns { columns in
                (session: Array(try columns.lastText(0)), skill: Array(try columns.lastText(1)))
            }
            let full = chunk.count == Self.chunkSize
            async let following = full ? sessionChunk(log, after: last) : nil
            try chunk.withColumns { columns in
                for _ in 0..<chunk.count {
                    let session = try columns.text(0), skill = try columns.text(1)
                    let count = try columns.int8(2)
                    let first = try columns.text(3), last = try columns.text(4)
                    let total = try columns.float8(5)
                    let firstSeq = try columns.int8(6), lastSeq = try columns.int8(7)
                    if let previous = after {
                        let ordered = previous.session.elementsEqual(session)
                            ? previous.skill.lexicographicallyPrecedes(skill)
                            : previous.session.lexicographicallyPrecedes(session)
                        guard ordered else { throw TeamLogError.invalidRow("session_skill: rows out of key order") }
                    }
                    after = (Array(session), Array(skill))
                    func storedRow() -> SessionSkillRow {
                        SessionSkillRow.stored(
                            sessionID: String(decoding: session, as: UTF8.self), skillName: String(decoding: skill, as: UTF8.self),
                            invocationCount: Int(truncatingIfNeeded: count), firstInvokedAt: String(decoding: first, as: UTF8.self),
                            lastInvokedAt: String(decoding: last, as: UTF8.self), totalDurationSeconds: total,
                            firstSeq: firstSeq, lastSeq: lastSeq)
                    }
                    guard let position = projector.position(session: session, skill: skill) else {
                        extra.append(storedRow())
                        continue
                    }
                    matched[position] = true
                    if !projector.row(at: position, hasInvocationCount: count, firstInvokedAt: first, lastInvokedAt: last,
                                      totalDurationSeconds: total, firstSeq: firstSeq, lastSeq: lastSeq) {
                        differing[position] = storedRow()
                    }
                }
            }
            next = try await following
        }
        for position in 0..<projector.rowCount where !matched[position] || differing[position] != nil {
            let row = projector.row(at: position)
            let key = [row.sessionID, row.skillName]
            func difference(_ field: String, _ a: String, _ b: String) {
                differences.append(ProjectionDifference.make(table: "session_skill", key: key, field: field, stored: a, recomputed: b))
            }
            guard let other = differing[position] else {
                difference("(row)", "(missing)", "(present)")
                continue
            }
            if other.invocationCount != row.invocationCount {
                difference("invocation_count", String(other.invocationCount), String(row.invocationCount))
            }
            if !Self.sameBytes(other.firstInvokedAt, row.firstInvokedAt) {
                difference("first_invoked_at", JSONWriter.quoted(other.firstInvokedAt), JSONWriter.quoted(row.firstInvokedAt))
            }
            if !Self.sameBytes(other.lastInvokedAt, row.lastInvokedAt) {
                difference("last_invoked_at", JSONWriter.quoted(other.lastInvokedAt), JSONWriter.quoted(row.lastInvokedAt))
            }
            if other.totalDurationSeconds.bitPattern != row.totalDurationSeconds.bitPattern {
                difference("total_duration_seconds", Self.render(other.totalDurationSeconds), Self.render(row.totalDurationSeconds))
            }
            if other.firstSeq != row.firstSeq { difference("first_seq", String(other.firstSeq), String(row.firstSeq)) }
            if other.lastSeq != row.lastSeq { difference("last_seq", String(other.lastSeq), String(row.lastSeq)) }
        }
        let byKey = extra.sorted { a, b in
            a.sessionID.utf8.elementsEqual(b.sessionID.utf8)
                ? a.skillName.utf8.lexicographicallyPrecedes(b.skillName.utf8)
                : a.sessionID.utf8.lexicographicallyPrecedes(b.sessionID.utf8)
        }
        for row in byKey {
            differences.append(ProjectionDifference.make(
                table: "session_skill", key: [row.sessionID, row.skillName], field: "(row)", stored: "(present)", recomputed: "(missing)"))
        }
    }

    /// The `session_skill` rows after the key `after` (all from the first when nil), at most
    /// ``chunkSize`` in key order (keyset on the primary key), as one row: numbers as arrays,
    /// texts joined (``ServerArrayChunk``), or as arrays when not `joined`.
    private func sessionChunk(
        _ log: TeamLogConnection, after: (session: [UInt8], skill: [UInt8])?, joined: Bool = true
    ) async throws(TeamLogError) -> PostgresRow? {
        func text(_ column: String) -> String {
            joined ? "string_agg(\(column), E'\\x01') AS \(column)" : "array_agg(\(column)) AS \(column)"
        }
        let columns = """
            \(text("session_id")), \(text("skill_name")),
            array_agg(invocation_count) AS invocation_count, \(text("first_invoked_at")),
            \(text("last_invoked_at")), array_agg(total_duration_seconds) AS total_duration_seconds,
            array_agg(first_seq) AS first_seq, array_agg(last_seq) AS last_seq
            """
        guard let after else {
            return try await log.rows("""
                SELECT \(unescaped: columns)
                FROM (SELECT \(unescaped: Self.sessionColumns) FROM session_skill ORDER BY session_id, skill_name LIMIT \(Self.chunkSize)) AS s
                """, "reading session_skill").first
        }
        let session = String(decoding: after.session, as: UTF8.self), skill = String(decoding: after.skill, as: UTF8.self)
        return try await log.rows("""
            SELECT \(unescaped: columns)
            FROM (SELECT \(unescaped: Self.sessionColumns) FROM session_skill
                  WHERE (session_id, skill_name) > (\(session)::text COLLATE "C", \(skill)::text COLLATE "C")
                  ORDER BY session_id, skill_name LIMIT \(Self.chunkSize)) AS s
            """, "reading session_skill").first
    }

    private static let sessionColumns = """
        session_id, skill_name, invocation_count, first_invoked_at, last_invoked_at, total_duration_seconds, \
        first_seq, last_seq
        """

    /// Same UTF-8 bytes (Swift's `==` on strings would equate canonically equivalent texts).
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }

    static func render(_ value: Double?) -> String {
        value.map(PythonFloatFormatter.repr) ?? "NULL"
    }

    /// Same keys, same counts, same order, keys compared by bytes.
    static func identical(_ a: OrderedCounts, _ b: OrderedCounts) -> Bool {
        a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { Array($0.key.utf8) == Array($1.key.utf8) && $0.count == $1.count }
    }
}

/// One stored `skill_totals` row and its count dictionaries.
private struct ServerSkill {
    var name: String
    var isOrphan = false
    var total = 0, completed = 0, abandoned = 0
    var totalDuration: Double? = 0
    var firstInvoked = "", lastInvoked = ""
    var firstSeq: Int64 = 0, lastSeq: Int64 = 0
    var durationCount = 0
    var min: Double?, max: Double?, p50: Double?, p95: Double?, p99: Double?
    var counts: [String: OrderedCounts] = [:]

    init(orphan name: String) {
        self.name = name
        isOrphan = true
    }

    init(_ postgresRow: PostgresRow) throws(TeamLogError) {
        let row = ServerRow(postgresRow, "skill_totals")
        name = try row.value(0, String.self)
        total = try row.value(1, Int.self)
        completed = try row.value(2, Int.self)
        abandoned = try row.value(3, Int.self)
        totalDuration = try row.value(4, Double.self)
        firstInvoked = try row.value(5, String.self)
        lastInvoked = try row.value(6, String.self)
        firstSeq = try row.value(7, Int64.self)
        lastSeq = try row.value(8, Int64.self)
        durationCount = try row.value(9, Int.self)
        min = try row.value(10, Double?.self)
        max = try row.value(11, Double?.self)
        p50 = try row.value(12, Double?.self)
        p95 = try row.value(13, Double?.self)
        p99 = try row.value(14, Double?.self)
    }
}
