import Foundation

/// A `String` compared and hashed by its UTF-8 bytes, as SQLite's BINARY collation compares
/// text.
///
/// Swift's `==` treats canonically equivalent strings as equal (`"caf\u{E9}"` and
/// `"cafe\u{301}"`), while the triggers' `GROUP BY`s and primary keys keep them apart: a
/// projection keyed by `String` would merge two keys that every SQL reader sees as two.
struct ExactText: Hashable, Sendable {
    var text: String

    init(_ text: String) {
        self.text = text
    }

    static func == (lhs: ExactText, rhs: ExactText) -> Bool {
        let fast = lhs.text.utf8.withContiguousStorageIfAvailable { left in
            rhs.text.utf8.withContiguousStorageIfAvailable { right in
                guard left.count == right.count else { return false }
                guard let leftBytes = left.baseAddress, let rightBytes = right.baseAddress else { return true }
                return memcmp(leftBytes, rightBytes, left.count) == 0
            }
        }
        if let fast, let result = fast { return result }
        return lhs.text.utf8.elementsEqual(rhs.text.utf8)
    }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
