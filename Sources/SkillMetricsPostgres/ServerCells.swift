import NIOCore
import PostgresNIO

/// The cells of the rows a bulk read streams (every event, every `session_skill` row), read
/// in place: integers and doubles from their binary form, texts copied as bytes into one
/// buffer reused from row to row. Reading a row makes no `String` and decodes nothing through
/// a generic type (postgres-nio's tuple decode instantiates type metadata on every row).
///
/// Load a row with ``load(_:)``, then read its columns by index; a text is valid only inside
/// ``withTexts(_:)``.
struct ServerCells {
    private enum Value {
        case null
        case integer(Int64)
        case real(Double)
        case text(Range<Int>)
    }

    private var values: [Value] = []
    private var bytes: [UInt8] = []
    private var columnNames: [String] = []
    /// The table or query named in errors.
    let context: String

    init(_ context: String) {
        self.context = context
    }

    /// Reads `row`'s cells (replacing the previous row's).
    mutating func load(_ row: PostgresRow) throws(TeamLogError) {
        values.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        if columnNames.isEmpty { columnNames = row.map(\.columnName) }
        for cell in row {
            guard var buffer = cell.bytes else {
                values.append(.null)
                continue
            }
            switch cell.dataType {
            case .text, .varchar, .name, .bpchar:
                // Binary and text format alike: the text's UTF-8 bytes.
                let start = bytes.count
                bytes.append(contentsOf: buffer.readableBytesView)
                values.append(.text(start..<bytes.count))
            case .int8, .int4, .int2:
                let value: Int64?
                if cell.format == .binary {
                    switch (cell.dataType, buffer.readableBytes) {
                    case (.int8, 8): value = buffer.readInteger(as: Int64.self)
                    case (.int4, 4): value = buffer.readInteger(as: Int32.self).map(Int64.init)
                    case (.int2, 2): value = buffer.readInteger(as: Int16.self).map(Int64.init)
                    default: value = nil
                    }
                } else {
                    value = try? cell.decode(Int64.self)
                }
                guard let value else { throw invalid(cell.columnIndex, "not a valid \(cell.dataType)") }
                values.append(.integer(value))
            case .float8, .float4:
                let value: Double?
                if cell.format == .binary {
                    switch (cell.dataType, buffer.readableBytes) {
                    case (.float8, 8): value = buffer.readInteger(as: UInt64.self).map(Double.init(bitPattern:))
                    case (.float4, 4): value = buffer.readInteger(as: UInt32.self).map { Double(Float(bitPattern: $0)) }
                    default: value = nil
                    }
                } else {
                    value = try? cell.decode(Double.self)
                }
                guard let value else { throw invalid(cell.columnIndex, "not a valid \(cell.dataType)") }
                values.append(.real(value))
            default:
                throw invalid(cell.columnIndex, "unexpected type \(cell.dataType)")
            }
        }
    }

    /// The number of columns of the row loaded.
    var count: Int { values.count }

    func isNull(_ index: Int) throws(TeamLogError) -> Bool {
        if case .null = try value(index) { return true }
        return false
    }

    /// Column `index`, an integer (not NULL).
    func integer(_ index: Int) throws(TeamLogError) -> Int64 {
        guard case .integer(let value) = try value(index) else { throw invalid(index, "expected an integer") }
        return value
    }

    /// Column `index`, a double (not NULL).
    func real(_ index: Int) throws(TeamLogError) -> Double {
        guard let value = try optionalReal(index) else { throw invalid(index, "expected a double, found NULL") }
        return value
    }

    /// Column `index`, a double or NULL.
    func optionalReal(_ index: Int) throws(TeamLogError) -> Double? {
        switch try value(index) {
        case .null: return nil
        case .real(let value): return value
        default: throw invalid(index, "expected a double")
        }
    }

    /// Calls `body` with the row's texts (valid during the call).
    func withTexts<R>(_ body: (Texts) throws -> R) throws -> R {
        try bytes.withUnsafeBufferPointer { base in try body(Texts(cells: self, base: base)) }
    }

    /// The texts of the row loaded, as UTF-8 bytes.
    struct Texts {
        fileprivate let cells: ServerCells
        fileprivate let base: UnsafeBufferPointer<UInt8>

        /// Column `index`, a text (not NULL).
        func text(_ index: Int) throws(TeamLogError) -> UnsafeBufferPointer<UInt8> {
            guard let text = try optionalText(index) else { throw cells.invalid(index, "expected a text, found NULL") }
            return text
        }

        /// Column `index`, a text or NULL.
        func optionalText(_ index: Int) throws(TeamLogError) -> UnsafeBufferPointer<UInt8>? {
            switch try cells.value(index) {
            case .null: return nil
            case .text(let range): return UnsafeBufferPointer(rebasing: base[range])
            default: throw cells.invalid(index, "expected a text")
            }
        }
    }

    private func value(_ index: Int) throws(TeamLogError) -> Value {
        guard index >= 0, index < values.count else { throw invalid(index, "missing") }
        return values[index]
    }

    fileprivate func invalid(_ index: Int, _ reason: String) -> TeamLogError {
        let name = index >= 0 && index < columnNames.count ? columnNames[index] : "\(index)"
        return .invalidRow("\(context), column \(name): \(reason)")
    }
}
