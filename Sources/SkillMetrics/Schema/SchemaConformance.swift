import Crypto
import Foundation
import GRDB
import Synchronization

/// Checks that a database's schema is exactly the one its recorded migrations create.
///
/// The migration history (`schema_migrations`) only says which files ran; a foreign client,
/// a hand edit or a half-restored copy can still have dropped a constraint, retyped a column,
/// removed a trigger or added a table. This type migrates an in-memory database with the same
/// ``MigrationRunner`` to the file's recorded version and compares every table (its columns
/// with their types and constraints), index, trigger and view in `sqlite_master` with it,
/// by name and definition. Works for whatever migrations the runner has.
public struct SchemaConformance: Sendable {
    /// The migrations the expected schema is built from.
    public let runner: MigrationRunner

    public init(runner: MigrationRunner) {
        self.runner = runner
    }

    /// One object of `sqlite_master`.
    struct SchemaObject: Sendable, Equatable {
        var kind: String
        var name: String
        var table: String
        /// The CREATE statement with every whitespace character removed (ALTER TABLE and
        /// undo files may re-space a definition without changing it).
        var definition: String
    }

    /// Expected objects per (migration checksums up to the version), built once per process.
    private static let expectedCache = Mutex<[String: [String: SchemaObject]]>([:])

    /// Every difference between the schema of `db` and the one its recorded version's
    /// migrations create (empty when they agree). Throws the first migration-history problem
    /// (a changed or unknown migration) first, since then there is no expected schema.
    public func differences(_ db: Database) throws -> [SchemaDifference] {
        if let problem = try runner.validate(db).first {
            throw SkillMetricsError.migration(problem)
        }
        let version = try runner.currentVersion(db)
        var actual = try Self.objects(db)
        if version == 0 { actual["table schema_migrations"] = nil }
        // The common case without building the expected schema (a migrated in-memory
        // database: tens of milliseconds): the file's objects are exactly those of a schema
        // whose digest is known for these migrations. Anything else is compared in full.
        if let known = KnownSchemaDigests.byMigrations[Self.digest(of: chainKey(version: version))],
           known == Self.digest(of: actual) {
            return []
        }
        let expected = try expectedObjects(version: version)
        var result: [SchemaDifference] = []
        // Tables first (a changed table explains its missing indexes and triggers), then by name.
        let rank = ["table": 0, "view": 1, "index": 2, "trigger": 3]
        let keys = Set(expected.keys).union(actual.keys).sorted { left, right in
            let kinds = (left.prefix { $0 != " " }, right.prefix { $0 != " " })
            let ranks = (rank[String(kinds.0)] ?? 4, rank[String(kinds.1)] ?? 4)
            return ranks.0 != ranks.1 ? ranks.0 < ranks.1 : left < right
        }
        for key in keys {
            switch (expected[key], actual[key]) {
            case (let want?, nil):
                result.append(SchemaDifference(kind: want.kind, name: want.name, problem: .missing))
            case (nil, let have?):
                result.append(SchemaDifference(kind: have.kind, name: have.name, problem: .unexpected))
            case (let want?, let have?) where want != have:
                result.append(SchemaDifference(
                    kind: want.kind, name: want.name,
                    problem: .changed(try detail(want, have, in: db, version: version))))
            default:
                break
            }
        }
        return result
    }

    /// Throws ``SkillMetricsError/schemaMismatch(path:differences:)`` naming each object that
    /// differs; `path` names the file in the message.
    public func check(_ db: Database, path: String) throws {
        let found = try differences(db)
        if !found.isEmpty { throw SkillMetricsError.schemaMismatch(path: path, differences: found) }
    }

    /// Opens the file at `path` read-only (nothing is created or changed) and runs
    /// ``check(_:path:)`` on it. A file SQLite cannot read is
    /// ``SkillMetricsError/notASkillMetricsDatabase(path:reason:)``.
    public func checkFile(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SkillMetricsError.fileAccess(path: path, reason: "no such file")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(2)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            try queue.read { db in try check(db, path: path) }
        } catch let error as DatabaseError {
            throw SkillMetricsError.notASkillMetricsDatabase(path: path, reason: "cannot read its schema (\(error.message ?? "\(error)"))")
        }
    }

    /// The `sqlite_master` condition that leaves SQLite's own `sqlite_*` objects out.
    private static let ownObjects = #"name NOT LIKE 'sqlite\_%' ESCAPE '\'"#

    /// The objects of `sqlite_master` (SQLite's own `sqlite_*` objects left out), by "kind name".
    static func objects(_ db: Database) throws -> [String: SchemaObject] {
        var result: [String: SchemaObject] = [:]
        let rows = try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE \(ownObjects)")
        for row in rows {
            let stored = StoredRow(row, table: "sqlite_master")
            let kind: String = try stored.decode(atIndex: 0)
            let name: String = try stored.decode(atIndex: 1)
            let object = SchemaObject(
                kind: kind, name: name,
                table: try stored.decodeIfPresent(String.self, atIndex: 2) ?? "",
                definition: Self.withoutWhitespace(try stored.decodeIfPresent(String.self, atIndex: 3) ?? ""))
            result["\(kind) \(name)"] = object
        }
        return result
    }

    /// `text` with every whitespace scalar (Unicode `White_Space`) removed, filtered as UTF-8
    /// bytes: a filter by Unicode scalar over both schemas was an eighth of a read command's
    /// time (by `Character` more). The whitespace scalars are U+0009–U+000D, U+0020, U+0085,
    /// U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F and U+3000.
    static func withoutWhitespace(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            String(unsafeUninitializedCapacity: bytes.count) { buffer in
                var count = 0
                var index = 0
                while index < bytes.count {
                    let lead = bytes[index]
                    let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
                    let end = min(index + length, bytes.count)
                    if !isWhitespace(UnsafeBufferPointer(rebasing: bytes[index..<end])) {
                        for position in index..<end {
                            buffer[count] = bytes[position]
                            count += 1
                        }
                    }
                    index = end
                }
                return count
            }
        }
    }

    /// True when `scalar` (one scalar's UTF-8 bytes) is a `White_Space` scalar.
    private static func isWhitespace(_ scalar: UnsafeBufferPointer<UInt8>) -> Bool {
        switch scalar.count {
        case 1:
            return scalar[0] == 0x20 || (0x09...0x0D).contains(scalar[0])
        case 2:
            return scalar[0] == 0xC2 && (scalar[1] == 0x85 || scalar[1] == 0xA0)
        case 3:
            switch (scalar[0], scalar[1], scalar[2]) {
            case (0xE1, 0x9A, 0x80), (0xE2, 0x80, 0x80...0x8A), (0xE2, 0x80, 0xA8), (0xE2, 0x80, 0xA9),
                 (0xE2, 0x80, 0xAF), (0xE2, 0x81, 0x9F), (0xE3, 0x80, 0x80):
                return true
            default:
                return false
            }
        default:
            return false
        }
    }

    /// The CREATE statements of the objects a fresh database migrated to `version` has, in
    /// the order SQLite stored them (a view before the triggers on it), with their text as
    /// the migrations wrote it.
    func expectedStatements(version: Int) throws -> [(kind: String, name: String, sql: String)] {
        guard version > 0 else { return [] }
        return try migratedInMemory(version: version).read { db in
            try Row.fetchAll(db, sql: """
                SELECT type, name, sql FROM sqlite_master
                WHERE \(Self.ownObjects) AND sql IS NOT NULL ORDER BY rowid
                """).map { row in
                let stored = StoredRow(row, table: "sqlite_master")
                return (try stored.decode(atIndex: 0), try stored.decode(atIndex: 1), try stored.decode(atIndex: 2))
            }
        }
    }

    /// A fresh in-memory database migrated to `version`: the expected schema.
    private func migratedInMemory(version: Int) throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try runner.migrate(queue, upTo: version)
        return queue
    }

    /// The migrations up to `version`, as "version:checksum" joined by commas: what the
    /// expected schema of that version is built from.
    func chainKey(version: Int) -> String {
        runner.migrations.filter { $0.version <= version }
            .map { "\($0.version):\($0.checksum)" }.joined(separator: ",")
    }

    /// The SHA-256 of `text` in lowercase hex.
    static func digest(of text: String) -> String {
        Hex.encode(SHA256.hash(data: Array(text.utf8)))
    }

    /// The SHA-256 (lowercase hex) of a set of objects: each one's kind, name, table and
    /// whitespace-free definition, in key order, every field prefixed with its length in
    /// bytes, so that two different sets never give the same text.
    static func digest(of objects: [String: SchemaObject]) -> String {
        var text = "\(objects.count);"
        for key in objects.keys.sorted() {
            guard let object = objects[key] else { continue }
            for field in [object.kind, object.name, object.table, object.definition] {
                text += "\(field.utf8.count):\(field);"
            }
        }
        return digest(of: text)
    }

    /// The objects a fresh database migrated to `version` has.
    func expectedObjects(version: Int) throws -> [String: SchemaObject] {
        let key = chainKey(version: version)
        if let cached = Self.expectedCache.withLock({ $0[key] }) { return cached }
        let objects: [String: SchemaObject]
        if version == 0 {
            objects = [:]
        } else {
            objects = try migratedInMemory(version: version).read { db in try Self.objects(db) }
        }
        Self.expectedCache.withLock { $0[key] = objects }
        return objects
    }

    /// How two definitions of the same object differ, as precisely as the columns tell.
    private func detail(_ want: SchemaObject, _ have: SchemaObject, in db: Database, version: Int) throws -> String {
        if want.table != have.table {
            return "belongs to table \(have.table), expected \(want.table)"
        }
        guard want.kind == "table" else {
            return "its definition is not the one the migrations create"
        }
        let haveColumns = try Self.columns(of: have.name, in: db)
        let wantColumns = try migratedInMemory(version: version).read { db in try Self.columns(of: want.name, in: db) }
        var notes: [String] = []
        for (name, declaration) in wantColumns {
            guard let other = haveColumns.first(where: { $0.name == name }) else {
                notes.append("column \(name) is missing")
                continue
            }
            if other.declaration != declaration {
                notes.append("column \(name) is \(other.declaration), expected \(declaration)")
            }
        }
        for (name, _) in haveColumns where !wantColumns.contains(where: { $0.name == name }) {
            notes.append("column \(name) is not created by any migration")
        }
        if notes.isEmpty { notes.append("its constraints (CHECK, UNIQUE, keys or column order) are not the ones the migrations create") }
        return notes.joined(separator: ", ")
    }

    /// Each column of `table`: its name and declared type, NOT NULL, default and key position.
    private static func columns(of table: String, in db: Database) throws -> [(name: String, declaration: String)] {
        let rows = try Row.fetchAll(db, sql: "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo(?)", arguments: [table])
        return try rows.map { row in
            let stored = StoredRow(row, table: "pragma_table_xinfo(\(table))")
            let name: String = try stored.decode(atIndex: 0)
            let type: String = try stored.decodeIfPresent(atIndex: 1) ?? ""
            let notNull: Int64 = try stored.decodeIfPresent(atIndex: 2) ?? 0
            let defaultValue: String? = try stored.decodeIfPresent(atIndex: 3)
            let key: Int64 = try stored.decodeIfPresent(atIndex: 4) ?? 0
            var declaration = type.isEmpty ? "untyped" : type
            if notNull != 0 { declaration += " NOT NULL" }
            if let defaultValue { declaration += " DEFAULT \(defaultValue)" }
            if key != 0 { declaration += " (primary key #\(key))" }
            return (name, declaration)
        }
    }
}
