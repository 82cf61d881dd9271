import Foundation
import GRDB
import Testing
@testable import SkillMetrics

/// `JSONLAppender` keeps the first pass's decoded events for the second when the file has at
/// most `keptEventLimit` of them, and reads the file again otherwise: both ways must append the
/// same events in the same batches, with the same results and the same refusals.
@Suite struct JSONLAppenderTests {
    /// Every event row (doubles by bit pattern) and the projections, in seq order.
    static func contents(_ store: SkillMetricsStore) throws -> [String] {
        try store.read { db in
            try SchemaV8Tests.rendered(db, """
                SELECT seq, id, skill_name, invoked_at, workflow_path, completed, duration_seconds, error_type,
                       session_id, follow_up_actions, schema_version, user_context, finished
                FROM skill_invocation ORDER BY seq
                """)
        } + SchemaV5Tests.projections(store)
    }

    /// A real-shaped file with blank lines, an id repeated with the same content and one
    /// already in the log.
    static func file(_ directory: TemporaryDirectory) throws -> (path: String, events: [SkillInvocation]) {
        let lines = try SchemaV5Tests.python(["jsonl", "real", "700", "59"]).split(separator: "\n").map(String.init)
        var text = lines[..<300].joined(separator: "\n") + "\n\n   \n"
        text += lines[300...].joined(separator: "\n") + "\n" + lines[10] + "\n" + lines[650] + "\n"
        let path = directory.file("events.jsonl")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let decoder = JSONLEventDecoder()
        return (path, try lines.map { try decoder.decode(line: Array($0.utf8)) })
    }

    @Test("kept or read again, the second pass appends the same events", arguments: [0, 1, 299, 700, 702, 100_000])
    func keptAndRereadAgree(limit: Int) throws {
        let directory = TemporaryDirectory()
        let (path, events) = try Self.file(directory)
        let reference = try TestDatabase()
        try reference.store.append(events[42])
        let referenceResult = try JSONLAppender(store: reference.store, batchSize: 64).append(path: path)

        let database = try TestDatabase()
        try database.store.append(events[42])
        var appender = JSONLAppender(store: database.store, batchSize: 64)
        appender.keptEventLimit = limit
        var progress: [Int] = []
        let result = try appender.append(path: path, progress: { progress.append($0) })
        #expect(result.appended == 699 && result.alreadyPresent == 3)
        #expect(result.appended == referenceResult.appended && result.alreadyPresent == referenceResult.alreadyPresent)
        #expect(progress.count == 11 && progress.last == 702)
        #expect(try Self.contents(database.store) == Self.contents(reference.store))
        #expect(try database.store.verify().isConsistent)
    }

    @Test("a bad last line or a conflicting repeat changes nothing, kept or not", arguments: [0, 100_000])
    func refusalsChangeNothing(limit: Int) throws {
        let directory = TemporaryDirectory()
        let (path, events) = try Self.file(directory)
        let database = try TestDatabase()
        try database.store.append(events[0])
        let before = try Self.contents(database.store)
        var appender = JSONLAppender(store: database.store, batchSize: 64)
        appender.keptEventLimit = limit

        let original = try String(contentsOfFile: path, encoding: .utf8)
        try (original + "{\"id\": \"broken\"\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try appender.append(path: path)
        } throws: { error in
            "\(error)".contains("events.jsonl:705")
        }
        #expect(try Self.contents(database.store) == before)

        var changed = events[5]
        changed.skillName += "-changed"
        let line = "{\"id\": \(JSONWriter.quoted(changed.id)), \"skill_name\": \(JSONWriter.quoted(changed.skillName)), "
            + "\"invoked_at\": \(JSONWriter.quoted(changed.invokedAt.canonical))}"
        try (original + line + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try appender.append(path: path)
        } throws: { error in
            "\(error)".contains("events.jsonl:705") && "\(error)".contains(changed.id)
        }
        #expect(try Self.contents(database.store) == before)
    }

    @Test("a repeated id is compared with its earlier line read again: CRLF lines, past the first MiB, kept or not",
          arguments: [0, 100_000])
    func repeatsAreComparedWithTheEarlierLine(limit: Int) throws {
        let directory = TemporaryDirectory()
        let lines = try SchemaV5Tests.python(["jsonl", "real", "6000", "61"]).split(separator: "\n").map(String.init)
        let body = lines.joined(separator: "\r\n") + "\r\n"
        // The reader takes the file a MiB at a time: line 4,000 lies beyond the first.
        #expect(body.utf8.count > (1 << 20) + 10_000 && lines[..<3999].joined(separator: "\r\n").utf8.count > 1 << 20)
        let path = directory.file("crlf.jsonl")
        try (body + lines[9] + "\r\n" + lines[3999] + "\r\n").write(toFile: path, atomically: true, encoding: .utf8)
        let database = try TestDatabase()
        var appender = JSONLAppender(store: database.store, batchSize: 500)
        appender.keptEventLimit = limit
        let result = try appender.append(path: path)
        #expect(result.appended == 6000 && result.alreadyPresent == 2)
        #expect(try database.store.verify().isConsistent)

        // The same id with one field changed (the duration) is refused, naming both lines.
        let decoder = JSONLEventDecoder()
        var changed = try decoder.decode(line: Array(lines[3999].utf8))
        changed.durationSeconds = (changed.durationSeconds ?? 1) + 0.5
        let line = "{\"id\": \(JSONWriter.quoted(changed.id)), \"skill_name\": \(JSONWriter.quoted(changed.skillName)), "
            + "\"invoked_at\": \(JSONWriter.quoted(changed.invokedAt.canonical)), \"duration_seconds\": \(changed.durationSeconds ?? 0)}"
        let fresh = try TestDatabase()
        let conflicting = directory.file("conflicting.jsonl")
        try (body + line + "\r\n").write(toFile: conflicting, atomically: true, encoding: .utf8)
        var second = JSONLAppender(store: fresh.store, batchSize: 500)
        second.keptEventLimit = limit
        #expect {
            try second.append(path: conflicting)
        } throws: { error in
            "\(error)".contains("crlf.jsonl") == false && "\(error)".contains("conflicting.jsonl:6001")
                && "\(error)".contains("already appears on line 4000 with different content")
        }
        #expect(try fresh.store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") } == 0)
    }
}
