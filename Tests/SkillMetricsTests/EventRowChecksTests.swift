import GRDB
import Testing
@testable import SkillMetrics

/// `EventRowChecks` lets a bulk writer insert plain rows with SQLite's CHECK constraints off
/// when it proves them in Swift. These tests hold the proof against the schema itself: a row
/// proven is a row the CHECKs accept, and each candidate's answer is the one expected (so the
/// fast path is taken for ordinary rows, and a row the CHECKs refuse is never called proven).
@Suite struct EventRowChecksTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var label: String
        var id = "event-1"
        var skillName = "skill"
        var invokedAt = "2026-03-01T10:00:00.000001Z"
        var workflowPath: String? = "quick"
        var completed = 1
        var durationSeconds: Double? = 1.5
        var errorType: String? = nil
        var sessionID: String? = "session-1"
        var followUpActions = "[]"
        var schemaVersion = 1
        var userContext: String? = nil
        var finished = 1

        var testDescription: String { label }

        var proven: Bool {
            EventRowChecks.holdByConstruction(
                id: id, skillName: skillName, invokedAt: invokedAt, workflowPath: workflowPath,
                completed: completed, durationSeconds: durationSeconds, errorType: errorType,
                sessionID: sessionID, followUpActions: followUpActions, schemaVersion: schemaVersion,
                userContext: userContext, finished: finished)
        }
    }

    static func row(_ label: String, _ change: (inout Row) -> Void = { _ in }) -> Row {
        var row = Row(label: label)
        change(&row)
        return row
    }

    /// (candidate, whether EventRowChecks proves it)
    static let candidates: [(Row, Bool)] = [
        (row("plain"), true),
        (row("nulls") { $0.workflowPath = nil; $0.sessionID = nil; $0.durationSeconds = nil }, true),
        (row("error") { $0.completed = 0; $0.errorType = "TimeoutError"; $0.durationSeconds = nil }, true),
        (row("unfinished") { $0.finished = 0; $0.completed = 0; $0.durationSeconds = nil }, true),
        (row("id of 200 bytes") { $0.id = String(repeating: "x", count: 200) }, true),
        (row("id of 100 two-byte characters") { $0.id = String(repeating: "é", count: 100) }, true),
        (row("id of 200 two-byte characters (400 bytes: not proven)") { $0.id = String(repeating: "é", count: 200) }, false),
        (row("id of 201 characters") { $0.id = String(repeating: "x", count: 201) }, false),
        (row("id of 201 two-byte characters") { $0.id = String(repeating: "é", count: 201) }, false),
        (row("empty id") { $0.id = "" }, false),
        (row("NUL in id") { $0.id = "a\u{0}b" }, false),
        (row("NUL in skill") { $0.skillName = "s\u{0}" }, false),
        (row("NUL in path") { $0.workflowPath = "\u{0}" }, false),
        (row("NUL in error") { $0.errorType = "e\u{0}" }, false),
        (row("NUL in session") { $0.sessionID = "x\u{0}y" }, false),
        (row("earliest") { $0.invokedAt = "0001-01-01T00:00:00.000000Z" }, true),
        (row("latest") { $0.invokedAt = "9999-12-31T23:59:59.999999Z" }, true),
        (row("leap day 2024") { $0.invokedAt = "2024-02-29T12:00:00.000000Z" }, true),
        (row("leap day 2000") { $0.invokedAt = "2000-02-29T12:00:00.000000Z" }, true),
        (row("no leap day 1900") { $0.invokedAt = "1900-02-29T12:00:00.000000Z" }, false),
        (row("no leap day 2026") { $0.invokedAt = "2026-02-29T12:00:00.000000Z" }, false),
        (row("April 31") { $0.invokedAt = "2026-04-31T12:00:00.000000Z" }, false),
        (row("December 31") { $0.invokedAt = "2026-12-31T12:00:00.000000Z" }, true),
        (row("month 13") { $0.invokedAt = "2026-13-01T12:00:00.000000Z" }, false),
        (row("month 00") { $0.invokedAt = "2026-00-01T12:00:00.000000Z" }, false),
        (row("day 00") { $0.invokedAt = "2026-01-00T12:00:00.000000Z" }, false),
        (row("hour 24") { $0.invokedAt = "2026-01-01T24:00:00.000000Z" }, false),
        (row("minute 60") { $0.invokedAt = "2026-01-01T23:60:00.000000Z" }, false),
        (row("second 60") { $0.invokedAt = "2026-01-01T23:59:60.000000Z" }, false),
        (row("year 0000") { $0.invokedAt = "0000-01-01T00:00:00.000000Z" }, false),
        (row("space for T") { $0.invokedAt = "2026-01-01 00:00:00.000000Z" }, false),
        (row("comma for dot") { $0.invokedAt = "2026-01-01T00:00:00,000000Z" }, false),
        (row("letter in fraction") { $0.invokedAt = "2026-01-01T00:00:00.00000aZ" }, false),
        (row("offset for Z") { $0.invokedAt = "2026-01-01T00:00:00.000000+" }, false),
        (row("milliseconds") { $0.invokedAt = "2026-01-01T00:00:00.000Z" }, false),
        (row("wide digits") { $0.invokedAt = "２026-01-01T00:00:00.00000Z" }, false),
        (row("completed 2") { $0.completed = 2 }, false),
        (row("finished 2") { $0.finished = 2 }, false),
        (row("unfinished but completed") { $0.finished = 0; $0.durationSeconds = nil }, false),
        (row("unfinished with a duration") { $0.finished = 0; $0.completed = 0 }, false),
        (row("zero duration") { $0.durationSeconds = 0 }, true),
        (row("negative zero") { $0.durationSeconds = -0.0 }, true),
        (row("largest duration") { $0.durationSeconds = .greatestFiniteMagnitude }, true),
        (row("infinite duration") { $0.durationSeconds = .infinity }, false),
        (row("NaN duration") { $0.durationSeconds = .nan }, false),
        (row("schema version 0") { $0.schemaVersion = 0 }, false),
        (row("schema version 7") { $0.schemaVersion = 7 }, true),
        (row("a user context") { $0.userContext = "{}" }, false),
        (row("actions") { $0.followUpActions = #"["git commit","run tests"]"# }, true),
        (row("actions, spaced") { $0.followUpActions = " [ \"a\" ,\t\"b\"\n]\r" }, true),
        (row("empty array, spaced") { $0.followUpActions = "[ ]" }, true),
        (row("escapes") { $0.followUpActions = #"["\" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00"]"# }, true),
        (row("raw non-ASCII") { $0.followUpActions = #"["ünïcödé ✓", ""]"# }, true),
        (row("escaped NUL") { $0.followUpActions = #"["\u0000"]"# }, false),
        (row("the six characters after an escaped backslash") { $0.followUpActions = #"["\\u0000"]"# }, false),
        (row("raw tab") { $0.followUpActions = "[\"a\tb\"]" }, false),
        (row("trailing comma") { $0.followUpActions = #"["a",]"# }, false),
        (row("lone comma") { $0.followUpActions = "[,]" }, false),
        (row("unclosed") { $0.followUpActions = #"["a""# }, false),
        (row("unclosed string") { $0.followUpActions = #"["a]"# }, false),
        (row("a number") { $0.followUpActions = "[1]" }, false),
        (row("null") { $0.followUpActions = "[null]" }, false),
        (row("nested") { $0.followUpActions = #"[["a"]]"# }, false),
        (row("an object") { $0.followUpActions = "{}" }, false),
        (row("unknown escape") { $0.followUpActions = #"["\x"]"# }, false),
        (row("short unicode escape") { $0.followUpActions = #"["\u12"]"# }, false),
        (row("text after the array") { $0.followUpActions = #"["a"]x"# }, false),
        (row("empty text") { $0.followUpActions = "" }, false),
    ]

    /// Inserts `row` with the CHECKs on, in a savepoint rolled back after; returns whether a
    /// CHECK refused it.
    static func checksRefuse(_ row: Row, _ db: Database) throws -> Bool {
        try db.execute(sql: "SAVEPOINT candidate")
        defer {
            try? db.execute(sql: "ROLLBACK TO candidate")
            try? db.execute(sql: "RELEASE candidate")
        }
        do {
            try insert(row, db)
            return false
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_CHECK {
            return true
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            // A trigger's RAISE (the follow-up guard): not a CHECK.
            return false
        }
    }

    @Test(arguments: candidates)
    func aProvenRowIsOneTheChecksAccept(_ row: Row, _ expected: Bool) throws {
        #expect(row.proven == expected)
        let database = try TestDatabase()
        let refused = try database.store.write { db in try Self.checksRefuse(row, db) }
        if row.proven { #expect(!refused, "proven, but the CHECKs refuse it") }
    }

    /// The rows the CHECKs refuse, so that the table above is not all acceptances.
    @Test func theChecksRefuseTheMalformedCandidates() throws {
        let database = try TestDatabase()
        let refused = try database.store.write { db in
            try Self.candidates.filter { try Self.checksRefuse($0.0, db) }.map(\.0.label)
        }
        #expect(refused.contains("id of 201 characters"))
        #expect(refused.contains("no leap day 2026"))
        #expect(refused.contains("hour 24"))
        #expect(refused.contains("escaped NUL"))
        #expect(refused.contains("a number") == false)  // the guard trigger's, not a CHECK
        #expect(refused.contains("trailing comma"))
        #expect(refused.contains("infinite duration"))
    }

    static func insert(_ row: Row, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed,
                    duration_seconds, error_type, session_id, follow_up_actions, schema_version, user_context, finished)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [row.id, row.skillName, row.invokedAt, row.workflowPath, row.completed,
                        row.durationSeconds, row.errorType, row.sessionID, row.followUpActions,
                        row.schemaVersion, row.userContext, row.finished])
    }

    /// With the CHECKs skipped, a proven row is stored exactly as with them on (two databases,
    /// the same rows, every column compared as SQLite quotes it).
    @Test func skippingChecksStoresTheSameRow() throws {
        let rows = Self.candidates.filter { $0.1 }.map(\.0).enumerated().map { index, row in
            var row = row
            row.id = String("\(index)-\(row.id)".prefix(200))
            return row
        }
        let database = try TestDatabase()
        try database.store.appendInBulk(.wholeLogFold, insertGuards: .checkedAfterwards) { db in
            try EventRowChecks.skippingChecks(db) { for row in rows { try Self.insert(row, db) } }
        }
        let checked = try TestDatabase()
        try checked.store.write { db in for row in rows { try Self.insert(row, db) } }
        func stored(_ database: TestDatabase) throws -> [[String]] {
            try database.store.read { db in
                try GRDB.Row.fetchAll(db, sql: """
                    SELECT quote(id), quote(skill_name), quote(invoked_at), quote(workflow_path), quote(completed),
                           quote(duration_seconds), quote(error_type), quote(session_id), quote(follow_up_actions),
                           quote(schema_version), quote(user_context), quote(finished)
                    FROM skill_invocation ORDER BY seq
                    """).map { row in try (0..<12).map { try row.decode(String.self, atIndex: $0) } }
            }
        }
        let skippedRows = try stored(database)
        #expect(skippedRows.count == rows.count)
        #expect(skippedRows == (try stored(checked)))
        // The CHECKs are on again after the body: a malformed row is refused.
        let refused = try database.store.write { db in
            try Self.checksRefuse(Self.row("after") { $0.id = "after"; $0.completed = 2 }, db)
        }
        #expect(refused)
        #expect(try database.store.verify().isConsistent)
    }
}
