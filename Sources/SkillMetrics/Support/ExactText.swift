import Foundation

/// A `String` compared and hashed by its UTF-8 bytes, as SQLite's BINARY collation compares
/// text.
///
/// Swift's `==` treats canonically equivalent strings as equal (`"caf\u{E9}"` and
/// `"cafe\u{301}"`), while the triggers' `GROUP BY`s and primary keys keep them apart: a
/// projection keyed by `String` would merge two keys that every SQL reader sees as two.
package struct ExactText: Hashable, Sendable {
    package var text: String

    package init(_ text: String) {
        self.text = text
    }

    package static func == (lhs: ExactText, rhs: ExactText) -> Bool {
        var left = lhs.text, right = rhs.text
        return left.withUTF8 { left in
            right.withUTF8 { right in
                guard left.count == right.count else { return false }
                guard let leftBytes = left.baseAddress, let rightBytes = right.baseAddress else { return true }
                return memcmp(leftBytes, rightBytes, left.count) == 0
            }
        }
    }

    package func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// True when both are nil or both hold the same bytes.
    package static func same(_ lhs: String?, _ rhs: String?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): true
        case let (lhs?, rhs?): ExactText(lhs) == ExactText(rhs)
        default: false
        }
    }

    /// True when both lists have the same length and the same bytes element by element.
    package static func same(_ lhs: [String], _ rhs: [String]) -> Bool {
        lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { ExactText($0) == ExactText($1) }
    }
}
