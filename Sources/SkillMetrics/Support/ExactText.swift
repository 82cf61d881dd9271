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
        var left = lhs.text, right = rhs.text
        return left.withUTF8 { left in
            right.withUTF8 { right in
                guard left.count == right.count else { return false }
                guard let leftBytes = left.baseAddress, let rightBytes = right.baseAddress else { return true }
                return memcmp(leftBytes, rightBytes, left.count) == 0
            }
        }
    }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
