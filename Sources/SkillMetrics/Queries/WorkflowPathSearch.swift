import Foundation
import GRDB

/// The workflow-path search of ``SkillMetricsQueries/searchWorkflowPaths(_:limit:)``: every word
/// of a query must occur, case-insensitively, in a (skill, path) pair's skill name or path.
///
/// Words of three or more characters are matched by an FTS5 index with the trigram tokenizer
/// (what schemas V2–V9 stored); shorter ones by `instr(lower(…))`, as before. Since schema V10
/// the index is not stored: a trigger that wrote one row per new pair cost every INSERT on the
/// log an FTS5 segment flush at its next statement (docs/performance.md). The search copies the
/// `skill_workflow_path` rows — one per distinct (skill, path), so bounded by the vocabulary,
/// not by the number of events — into an in-memory database, builds the index there and runs
/// the query there. The store's connection is only read.
struct WorkflowPathSearch: Sendable {
    /// The words of the query (split on whitespace and U+0000) the trigram index can match:
    /// three or more Unicode scalars.
    let indexedWords: [String]
    /// The words too short for a trigram, matched directly.
    let shortWords: [String]
    /// At most this many pairs, most invoked first.
    let limit: Int

    /// A search for `text`; nil when it has no word or `limit` is not positive (nothing matches).
    init?(text: String, limit: Int) {
        let words = text.split(whereSeparator: { $0.isWhitespace || $0 == "\u{0}" }).map(String.init)
        guard !words.isEmpty, limit > 0 else { return nil }
        indexedWords = words.filter { $0.unicodeScalars.count >= 3 }
        shortWords = words.filter { $0.unicodeScalars.count < 3 }
        self.limit = limit
    }

    /// The matching pairs of the `skill_workflow_path` rows `db` holds.
    func run(in db: Database) throws -> [WorkflowPathMatch] {
        let memory = try DatabaseQueue()
        return try memory.write { search in
            try search.execute(sql: """
                CREATE TABLE p (
                    id INTEGER PRIMARY KEY, skill_name TEXT, workflow_path TEXT,
                    invocation_count, completed_count, total_duration_seconds);
                CREATE VIRTUAL TABLE p_fts USING fts5(
                    skill_name, workflow_path, content = 'p', content_rowid = 'id', tokenize = 'trigram');
                """)
            let insert = try search.makeStatement(sql: "INSERT INTO p VALUES (?, ?, ?, ?, ?, ?)")
            let rows = try Row.fetchCursor(db, sql: """
                SELECT id, skill_name, workflow_path, invocation_count, completed_count, total_duration_seconds
                FROM skill_workflow_path
                """)
            while let row = try rows.next() {
                let values = try (0..<6).map { try row.decode(DatabaseValue.self, atIndex: $0) }
                try insert.execute(arguments: StatementArguments(values))
            }
            if !indexedWords.isEmpty {
                try search.execute(sql: "INSERT INTO p_fts (p_fts) VALUES ('rebuild')")
            }
            let (sql, arguments) = query()
            return try Row.fetchAll(search, sql: sql, arguments: arguments).map(Self.match)
        }
    }

    /// One row of ``query()``'s columns (skill, path, invocations, completed, total duration)
    /// as a match: '' is no path, the average is over the completed invocations.
    static func match(_ row: Row) throws -> WorkflowPathMatch {
        let path = try row.decode(String.self, atIndex: 1)
        let completed = try row.decode(Int.self, atIndex: 3)
        let total = try row.decode(Double.self, atIndex: 4)
        return WorkflowPathMatch(
            skillName: try row.decode(String.self, atIndex: 0), workflowPath: path.isEmpty ? nil : path,
            invocationCount: try row.decode(Int.self, atIndex: 2), completedCount: completed,
            avgDurationSeconds: completed == 0 ? 0.0 : total / Double(completed))
    }

    /// The query over the in-memory copy: each indexed word through the trigram index, each
    /// short word by `instr`, most invoked first, ties by first appearance.
    func query() -> (sql: String, arguments: StatementArguments) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if !indexedWords.isEmpty {
            conditions.append("p.id IN (SELECT rowid FROM p_fts WHERE p_fts MATCH ?)")
            arguments += [Self.ftsQuery(indexedWords)]
        }
        for word in shortWords {
            conditions.append("(instr(lower(p.skill_name), lower(?)) > 0 OR instr(lower(p.workflow_path), lower(?)) > 0)")
            arguments += [word, word]
        }
        arguments += [limit]
        let sql = """
            SELECT p.skill_name, p.workflow_path, p.invocation_count, p.completed_count, p.total_duration_seconds
            FROM p
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY p.invocation_count DESC, p.id
            LIMIT ?
            """
        return (sql, arguments)
    }

    /// An FTS5 query that matches every word literally: each word an FTS5 string (`"…"`, with
    /// `"` doubled), joined by AND.
    static func ftsQuery(_ words: [String]) -> String {
        words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " AND ")
    }
}
