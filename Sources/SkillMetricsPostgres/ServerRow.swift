import PostgresNIO

/// A server row read column by column with checked indices and throwing decoders.
struct ServerRow {
    private let cells: PostgresRandomAccessRow
    private let context: String

    init(_ row: PostgresRow, _ context: String) {
        cells = row.makeRandomAccess()
        self.context = context
    }

    /// Column `index` decoded as `T` (an optional `T` for nullable columns).
    func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type = T.self) throws(TeamLogError) -> T {
        guard index >= 0, index < cells.count else {
            throw .invalidRow("\(context): column \(index) missing")
        }
        do {
            return try cells[index].decode(T.self)
        } catch {
            throw .invalidRow("\(context): \(TeamLogError.decoding(error))")
        }
    }
}
