import GRDBSQLite

/// Texts to bind to one statement, copied into one buffer and bound with `SQLITE_STATIC`, so
/// that SQLite does not copy each again.
///
/// A copying bind (`SQLITE_TRANSIENT`, ``RawStatement/bind(_:_:)-(CInt,String)``) costs a
/// malloc, a memcpy and a free per text, ~700 instructions; a multi-row INSERT of 50 events
/// binds ~450 texts. Here each text is appended to one growing buffer, and
/// ``bound(to:_:)`` binds them all in place for the length of `body` only: the buffer cannot
/// move while it runs, and the statement's bindings are cleared before it returns, so no
/// binding ever points into freed memory.
struct StaticTexts {
    private var bytes: [UInt8]
    private var spans: [(index: CInt, offset: Int, count: Int)] = []

    /// Room for `capacity` texts of `bytes` bytes in all (a hint).
    init(capacity: Int, bytes byteCapacity: Int) {
        // One byte always: an empty text must point somewhere (a NULL pointer binds NULL).
        bytes = [0]
        bytes.reserveCapacity(byteCapacity + 1)
        spans.reserveCapacity(capacity)
    }

    /// Forgets every text, keeping the buffers' capacity (for the next statement).
    mutating func removeAll() {
        bytes.removeSubrange(1...)
        spans.removeAll(keepingCapacity: true)
    }

    /// Adds `text` as the value of parameter `index`.
    mutating func add(_ text: String, at index: CInt) {
        let start = bytes.count
        bytes.append(contentsOf: text.utf8)
        spans.append((index, start, bytes.count - start))
    }

    /// Binds every text to `statement` in place, runs `body`, and clears the statement's
    /// bindings (every parameter, texts and others, is NULL afterwards).
    func bound<T>(to statement: RawStatement, _ body: () throws -> T) throws -> T {
        try bytes.withUnsafeBufferPointer { buffer -> T in
            defer { _ = sqlite3_clear_bindings(statement.sqlite) }
            guard let base = buffer.baseAddress else { return try body() }
            try base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { characters in
                for span in spans {
                    guard let length = CInt(exactly: span.count) else {
                        throw SkillMetricsError.database(
                            operation: "append", message: "a text of \(span.count) bytes is too long to bind")
                    }
                    // nil destructor = SQLITE_STATIC: SQLite reads the bytes in place.
                    _ = sqlite3_bind_text(statement.sqlite, span.index, characters + span.offset, length, nil)
                }
            }
            return try body()
        }
    }
}
