import Foundation
import GRDB
import GRDBSQLite

/// Stored `session_skill` rows, their columns copied out of the statement that read them (the
/// texts into one buffer, so a row costs no allocation): a rebuild reads the table beside the
/// events and matches each row with the fold's row at the same place in first-appearance
/// order, so that a finished pair need not stay in memory
/// (``ProjectionSet/foldLettingIdenticalSessionRowsGo(_:progress:twoThreadsAbove:)``).
struct StoredSessionRows: Sendable {
    /// The session id, skill name, first and last `invoked_at` of each row, one after the other.
    private var bytes: [UInt8] = []
    private var rows: [Row] = []

    private struct Row: Sendable {
        var textStart: Int
        /// The byte counts of the four texts.
        var lengths: (Int32, Int32, Int32, Int32)
        var invocationCount: Int64
        var totalBits: UInt64
        var firstSeq: Int64
        var lastSeq: Int64
        /// False when a column holds another type than the projection writes: such a row
        /// never matches (as `verify` would report it).
        var wellTyped: Bool
    }

    /// The table's columns in ``SessionSkillProjector/columns``' order, in the table's (rowid) order.
    static let selectSQL = "SELECT "
        + SessionSkillProjector.columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
        + " FROM session_skill"

    init() {}

    var count: Int { rows.count }

    /// Copies the row `statement` (prepared from ``selectSQL``) stands on; returns its
    /// `first_seq` (0 when that is not an integer).
    @discardableResult
    mutating func append(_ statement: OpaquePointer) -> Int64 {
        var wellTyped = true
        let start = bytes.count
        func text(_ index: CInt) -> Int32 {
            guard sqlite3_column_type(statement, index) == SQLITE_TEXT else {
                wellTyped = false
                return 0
            }
            // sqlite3_column_text before sqlite3_column_bytes: the count is then of the UTF-8 form.
            guard let text = sqlite3_column_text(statement, index) else { return 0 }
            let count = Int(sqlite3_column_bytes(statement, index))
            bytes.append(contentsOf: UnsafeBufferPointer(start: text, count: count))
            return Int32(truncatingIfNeeded: count)
        }
        func integer(_ index: CInt) -> Int64 {
            guard sqlite3_column_type(statement, index) == SQLITE_INTEGER else {
                wellTyped = false
                return 0
            }
            return sqlite3_column_int64(statement, index)
        }
        let lengths = (text(0), text(1), text(3), text(4))
        var totalBits: UInt64 = 0
        if sqlite3_column_type(statement, 5) == SQLITE_FLOAT {
            totalBits = sqlite3_column_double(statement, 5).bitPattern
        } else {
            wellTyped = false
        }
        let row = Row(
            textStart: start, lengths: lengths, invocationCount: integer(2), totalBits: totalBits,
            firstSeq: integer(6), lastSeq: integer(7), wellTyped: wellTyped)
        rows.append(row)
        return row.firstSeq
    }

    /// True when row `index` holds exactly `entry`'s values, as `verify` compares them: texts
    /// by bytes, the total by bit pattern.
    func matches(_ index: Int, _ entry: SessionSkillProjector.Entry, _ names: FoldVocabulary) -> Bool {
        let row = rows[index]
        guard row.wellTyped, Int64(entry.invocationCount) == row.invocationCount,
              entry.totalDurationSeconds.bitPattern == row.totalBits,
              entry.firstSeq == row.firstSeq, entry.lastSeq == row.lastSeq else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            var start = row.textStart
            func equal(_ length: Int32, _ expected: UnsafeBufferPointer<UInt8>) -> Bool {
                let count = Int(length)
                defer { start += count }
                guard expected.count == count else { return false }
                guard count > 0, let stored = buffer.baseAddress, let other = expected.baseAddress else { return true }
                return memcmp(stored + start, other, count) == 0
            }
            return names.withBytes(of: entry.session) { equal(row.lengths.0, $0) }
                && names.withBytes(of: entry.skill) { equal(row.lengths.1, $0) }
                && names.withBytes(of: entry.firstInvokedAt) { equal(row.lengths.2, $0) }
                && names.withBytes(of: entry.lastInvokedAt) { equal(row.lengths.3, $0) }
        }
    }
}

extension StoredSessionRows {
    /// Steps a statement over ``selectSQL``, remembering when it is done (stepped past its end,
    /// a statement would start again).
    struct Reader {
        private let statement: Statement
        private var done = false

        /// Nil when the table lacks a column the projection writes (an older schema).
        init?(_ db: Database) {
            guard let statement = try? db.makeStatement(sql: StoredSessionRows.selectSQL) else { return nil }
            self.statement = statement
        }

        /// Appends rows to `rows` until one whose `first_seq` is after `seq` (which is appended
        /// too), `limit` rows are there, or the table ends.
        mutating func read(_ db: Database, through seq: Int64, atMost limit: Int = .max, into rows: inout StoredSessionRows) throws {
            while !done, rows.count < limit {
                guard try statement.stepRow(db) else {
                    done = true
                    return
                }
                if rows.append(statement.sqliteStatement) > seq { return }
            }
        }
    }
}
