import NIOCore
import PostgresNIO

/// A chunk of rows the server sent as one row: each column aggregated over the same rows,
/// either as an array (`array_agg`, PostgreSQL's binary array format) or, for a text column, as
/// one text joined with U+0001 (`string_agg(…, E'\x01')`, which costs the server about half as
/// much), read in place.
///
/// Bulk reads (every event, every `session_skill` row) take this shape: one row per thousands
/// of rows instead of one per row, so the per-row cost of the wire protocol and of
/// postgres-nio's row machinery is paid once per chunk, and an element is read with a bounds
/// check and a pointer move. Every array must be one-dimensional, of the element type the
/// caller reads, and as long as the others; a chunk of no rows is all NULLs.
///
/// A joined text splits exactly when it holds `count - 1` separators: a text that contains
/// U+0001 itself adds one, and the chunk is then ``isAmbiguous`` (the caller reads it again as
/// arrays). A joined column cannot say NULL: the caller joins `coalesce(column, '')` and sends
/// which rows were NULL in an integer column.
struct ServerArrayChunk {
    private var bytes: [UInt8] = []
    /// Each column's element type and the range of its elements in `bytes`.
    private var columns: [(type: UInt32, elements: Range<Int>)] = []
    private var columnNames: [String] = []
    /// Rows in the chunk (the arrays' common length).
    private(set) var count = 0
    /// The number of array columns loaded.
    var columnCount: Int { columns.count }

    /// True when an element of the int4 column `column` has `bit` set.
    func anyFlag(_ bit: Int64, column: Int) throws(TeamLogError) -> Bool {
        do {
            return try withColumns { columns -> Bool in
                for _ in 0..<count where try columns.int4(column) & bit != 0 { return true }
                return false
            }
        } catch let error as TeamLogError {
            throw error
        } catch {
            throw .invalidRow("\(context): \(error)")
        }
    }
    /// True when a joined text column does not split into ``count`` texts (one of its texts
    /// contains the separator).
    private(set) var isAmbiguous = false
    /// The element type recorded for a joined text column.
    private static let joinedText: UInt32 = 0xFFFF_FFFF
    /// The separator of joined text columns.
    private static let separator = UInt8(0x01)
    /// The table or query named in errors.
    let context: String

    init(_ context: String) {
        self.context = context
    }

    /// PostgreSQL's type oids for the element types read here.
    enum ElementType: UInt32 {
        case int4 = 23
        case int8 = 20
        case float8 = 701
        case text = 25
    }

    /// Reads `row`'s array cells (replacing the previous chunk).
    mutating func load(_ row: PostgresRow) throws(TeamLogError) {
        bytes.removeAll(keepingCapacity: true)
        columns.removeAll(keepingCapacity: true)
        count = 0
        isAmbiguous = false
        if columnNames.isEmpty { columnNames = row.map(\.columnName) }
        var length: Int?
        var allNull = true
        for cell in row {
            guard let buffer = cell.bytes else {
                columns.append((0, 0..<0))
                continue
            }
            allNull = false
            guard cell.format == .binary else { throw invalid(cell.columnIndex, "not in binary format") }
            let start = bytes.count
            bytes.append(contentsOf: buffer.readableBytesView)
            if cell.dataType == .text {
                columns.append((Self.joinedText, start..<bytes.count))
                continue
            }
            let (type, size, elements) = try header(start..<bytes.count, column: cell.columnIndex)
            if let length, length != size { throw invalid(cell.columnIndex, "\(size) elements, another column has \(length)") }
            length = size
            columns.append((type, elements))
        }
        if allNull { return }
        guard columns.allSatisfy({ $0.type != 0 }) else { throw .invalidRow("\(context): a chunk with some columns NULL") }
        guard let length else { throw .invalidRow("\(context): a chunk with no array column") }
        count = length
        for column in columns where column.type == Self.joinedText {
            var separators = 0
            for index in column.elements where bytes[index] == Self.separator { separators += 1 }
            if separators != count - 1 { isAmbiguous = true }
        }
    }

    /// Parses an array's header: its element type, length and the range of its elements.
    private func header(_ range: Range<Int>, column: Int) throws(TeamLogError) -> (UInt32, Int, Range<Int>) {
        var offset = range.lowerBound
        func int32() throws(TeamLogError) -> Int32 {
            guard offset + 4 <= range.upperBound else { throw invalid(column, "array header cut short") }
            let value = Int32(bitPattern: UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
                | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3]))
            offset += 4
            return value
        }
        let dimensions = try int32()
        _ = try int32()  // has-NULLs flag
        let type = UInt32(bitPattern: try int32())
        guard dimensions == 0 || dimensions == 1 else { throw invalid(column, "an array of \(dimensions) dimensions") }
        var size = 0
        if dimensions == 1 {
            size = Int(try int32())
            _ = try int32()  // lower bound
            guard size >= 0 else { throw invalid(column, "a negative array length") }
        }
        return (type, size, offset..<range.upperBound)
    }

    /// Calls `body` with a cursor on each column's elements (valid during the call).
    func withColumns<R>(_ body: (inout Columns) throws -> R) throws -> R {
        try bytes.withUnsafeBufferPointer { base in
            var cursors = Columns(chunk: self, cursors: columns.map { Cursor(type: $0.type, position: $0.elements.lowerBound, end: $0.elements.upperBound) }, base: base)
            return try body(&cursors)
        }
    }

    /// The last element of bigint column `index`.
    func lastInt8(_ index: Int) throws -> Int64 {
        try withColumns { columns in try columns.lastInt8(index) }
    }

    fileprivate struct Cursor {
        let type: UInt32
        var position: Int
        let end: Int
    }

    /// The chunk's columns, each read element by element, in row order.
    struct Columns {
        fileprivate let chunk: ServerArrayChunk
        fileprivate var cursors: [Cursor]
        fileprivate let base: UnsafeBufferPointer<UInt8>

        /// The next element of column `index`: its bytes, or nil for NULL.
        private mutating func next(_ index: Int, _ type: ElementType) throws(TeamLogError) -> UnsafeBufferPointer<UInt8>? {
            guard index >= 0, index < cursors.count else { throw chunk.invalid(index, "missing") }
            let cursor = cursors[index]
            if cursor.type == ServerArrayChunk.joinedText, type == .text {
                // Up to the next separator (or the end); a position past the end is exhausted.
                guard cursor.position <= cursor.end else { throw chunk.invalid(index, "fewer texts than rows") }
                var stop = cursor.position
                while stop < cursor.end, base[stop] != ServerArrayChunk.separator { stop += 1 }
                cursors[index].position = stop + 1
                return UnsafeBufferPointer(rebasing: base[cursor.position..<stop])
            }
            guard cursor.type == type.rawValue else { throw chunk.invalid(index, "elements of type \(cursor.type), expected \(type)") }
            guard cursor.position + 4 <= cursor.end else { throw chunk.invalid(index, "array cut short") }
            let p = cursor.position
            let length = Int(Int32(bitPattern: UInt32(base[p]) << 24 | UInt32(base[p + 1]) << 16 | UInt32(base[p + 2]) << 8 | UInt32(base[p + 3])))
            if length == -1 {
                cursors[index].position = p + 4
                return nil
            }
            guard length >= 0, p + 4 + length <= cursor.end else { throw chunk.invalid(index, "array element cut short") }
            cursors[index].position = p + 4 + length
            return UnsafeBufferPointer(rebasing: base[(p + 4)..<(p + 4 + length)])
        }

        /// The next element of a text column, or nil for NULL.
        mutating func optionalText(_ index: Int) throws(TeamLogError) -> UnsafeBufferPointer<UInt8>? {
            try next(index, .text)
        }

        /// The next element of a text column (not NULL).
        mutating func text(_ index: Int) throws(TeamLogError) -> UnsafeBufferPointer<UInt8> {
            guard let text = try next(index, .text) else { throw chunk.invalid(index, "NULL where a text was expected") }
            return text
        }

        /// The next element of a bigint column (not NULL).
        mutating func int8(_ index: Int) throws(TeamLogError) -> Int64 {
            guard let element = try next(index, .int8) else { throw chunk.invalid(index, "NULL where an integer was expected") }
            guard element.count == 8 else { throw chunk.invalid(index, "a bigint of \(element.count) bytes") }
            return Int64(bitPattern: Self.bigEndian(element))
        }

        /// The next element of an integer column (not NULL).
        mutating func int4(_ index: Int) throws(TeamLogError) -> Int64 {
            guard let element = try next(index, .int4) else { throw chunk.invalid(index, "NULL where an integer was expected") }
            guard element.count == 4 else { throw chunk.invalid(index, "an integer of \(element.count) bytes") }
            return Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: Self.bigEndian(element))))
        }

        /// The next element of a double column, or nil for NULL.
        mutating func optionalFloat8(_ index: Int) throws(TeamLogError) -> Double? {
            guard let element = try next(index, .float8) else { return nil }
            guard element.count == 8 else { throw chunk.invalid(index, "a double of \(element.count) bytes") }
            return Double(bitPattern: Self.bigEndian(element))
        }

        /// The next element of a double column (not NULL).
        mutating func float8(_ index: Int) throws(TeamLogError) -> Double {
            guard let value = try optionalFloat8(index) else { throw chunk.invalid(index, "NULL where a double was expected") }
            return value
        }

        /// The last element of text column `index` (not NULL), the cursors left where they are.
        func lastText(_ index: Int) throws(TeamLogError) -> UnsafeBufferPointer<UInt8> {
            var copy = self
            var last: UnsafeBufferPointer<UInt8>?
            for _ in 0..<chunk.count { last = try copy.next(index, .text) }
            guard let last else { throw chunk.invalid(index, "NULL where a text was expected") }
            return last
        }

        /// The last element of bigint column `index` (not NULL), the cursors left where they are.
        func lastInt8(_ index: Int) throws(TeamLogError) -> Int64 {
            var copy = self
            var last: Int64?
            for _ in 0..<chunk.count { last = try copy.int8(index) }
            guard let last else { throw chunk.invalid(index, "an empty chunk") }
            return last
        }

        private static func bigEndian(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
            var value: UInt64 = 0
            for byte in bytes { value = value << 8 | UInt64(byte) }
            return value
        }
    }

    fileprivate func invalid(_ index: Int, _ reason: String) -> TeamLogError {
        let name = index >= 0 && index < columnNames.count ? columnNames[index] : "\(index)"
        return .invalidRow("\(context), column \(name): \(reason)")
    }
}
