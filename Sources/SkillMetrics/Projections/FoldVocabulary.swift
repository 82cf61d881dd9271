import Foundation

/// The distinct texts one fold has seen — skill names, workflow paths, error types, session
/// ids, follow-up actions — each with a dense integer id, so that the projectors key their
/// state by integers instead of hashing strings on every event.
///
/// A text is found by its UTF-8 bytes: a stored column is interned straight from SQLite's
/// buffer, and only its bytes are kept (a `String` is made when a row is read). Equal bytes give
/// the same id whichever way they arrive (``id(_:)`` for a `String`, ``id(bytes:)`` for a
/// buffer). Id 0 is the empty text. Memory grows with the number of distinct texts, never
/// with the number of events.
struct FoldVocabulary: Sendable {
    /// Every text's bytes, one after the other: text `id` is `bytes[starts[id]..<starts[id + 1]]`.
    private var bytes: [UInt8] = []
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Open addressing over the hashes (linear probing): an id, or -1 for an empty slot.
    private var slots: [Int] = Array(repeating: -1, count: 256)
    /// Chosen per vocabulary, so that no stored text can be crafted to collide ahead of time.
    private let seed = UInt64.random(in: 1...UInt64.max)

    /// The id of the empty text.
    static let empty = 0

    /// How many texts given as bytes were not valid UTF-8 (each interned as the `String` its
    /// bytes decode to, repaired). Readers of stored events compare it before and after an
    /// event and refuse the event when it moved: a repaired text is no longer the stored one.
    private(set) var repairedTexts = 0

    init() {
        _ = id("")
    }

    /// The number of distinct texts.
    var count: Int { starts.count - 1 }

    /// Text `id` (a `String` made from its bytes: rows are made once each, events never).
    subscript(id: Int) -> String {
        withBytes(of: id) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the UTF-8 bytes of text `id` (valid during the call).
    func withBytes<R>(of id: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let start = starts[id], end = starts[id + 1]
        return try bytes.withUnsafeBufferPointer { stored in
            try body(UnsafeBufferPointer(rebasing: stored[start..<end]))
        }
    }

    /// The id of `text`, adding it when new.
    mutating func id(_ text: String) -> Int {
        var utf8 = text
        return utf8.withUTF8 { buffer in id(bytes: buffer, validUTF8: true) }
    }

    /// The id of the text whose UTF-8 bytes are `buffer` (which need not outlive the call),
    /// adding it when new.
    mutating func id(bytes buffer: UnsafeBufferPointer<UInt8>) -> Int {
        id(bytes: buffer, validUTF8: false)
    }

    /// The id of the text whose UTF-8 bytes are `buffer`, or nil when the vocabulary does not
    /// hold it (nothing is added).
    func existingID(bytes buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        let (hash, isASCII) = Self.hash(buffer, seed: seed)
        if !isASCII {
            // Looked up as the String the bytes decode to, as ``id(bytes:)`` adds them.
            var text = String(decoding: buffer, as: UTF8.self)
            if !text.utf8.elementsEqual(buffer) { return text.withUTF8 { existingID(bytes: $0) } }
        }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let existing = slots[slot]
            if existing < 0 { return nil }
            if hashes[existing] == hash && holds(existing, buffer) { return existing }
            slot = (slot + 1) & mask
        }
    }

    private mutating func id(bytes buffer: UnsafeBufferPointer<UInt8>, validUTF8: Bool) -> Int {
        let (hash, isASCII) = Self.hash(buffer, seed: seed)
        // Bytes that are not ASCII may not be valid UTF-8: they are looked up as the `String`
        // they decode to (invalid sequences repaired), as a caller passing that String would.
        if !validUTF8 && !isASCII {
            let text = String(decoding: buffer, as: UTF8.self)
            if !text.utf8.elementsEqual(buffer) { repairedTexts += 1 }
            return id(text)
        }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let existing = slots[slot]
            if existing < 0 { break }
            if hashes[existing] == hash && holds(existing, buffer) { return existing }
            slot = (slot + 1) & mask
        }
        let id = count
        bytes.append(contentsOf: buffer)
        starts.append(bytes.count)
        hashes.append(hash)
        slots[slot] = id
        if count * 2 > slots.count { grow() }
        return id
    }

    /// True when text `id` has exactly these bytes.
    private func holds(_ id: Int, _ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[id], end = starts[id + 1]
        guard end - start == buffer.count else { return false }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return true }
        return bytes.withUnsafeBufferPointer { stored in
            stored.baseAddress.map { memcmp($0 + start, base, buffer.count) == 0 } ?? false
        }
    }

    private mutating func grow() {
        var larger = [Int](repeating: -1, count: slots.count * 2)
        let mask = larger.count - 1
        for (id, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while larger[slot] >= 0 { slot = (slot + 1) & mask }
            larger[slot] = id
        }
        slots = larger
    }

    /// A 64-bit hash of the bytes, eight at a time (multiply and rotate, then a final mix),
    /// and whether every byte is ASCII.
    private static func hash(_ buffer: UnsafeBufferPointer<UInt8>, seed: UInt64) -> (UInt64, Bool) {
        var hash = seed ^ (UInt64(truncatingIfNeeded: buffer.count) &* 0x9E37_79B9_7F4A_7C15)
        guard let base = buffer.baseAddress else { return (mix(hash), true) }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        var highBits: UInt64 = 0
        while offset + 8 <= buffer.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            highBits |= word
            hash = ((hash ^ word) &* 0xBF58_476D_1CE4_E5B9).rotated(by: 29)
            offset += 8
        }
        if offset < buffer.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < buffer.count {
                tail |= UInt64(buffer[offset]) << shift
                shift += 8
                offset += 1
            }
            highBits |= tail
            hash = ((hash ^ tail) &* 0x94D0_49BB_1331_11EB).rotated(by: 31)
        }
        return (mix(hash), highBits & 0x8080_8080_8080_8080 == 0)
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var value = value
        value ^= value >> 30
        value = value &* 0xBF58_476D_1CE4_E5B9
        value ^= value >> 27
        value = value &* 0x94D0_49BB_1331_11EB
        value ^= value >> 31
        return value
    }
}

extension UInt64 {
    fileprivate func rotated(by count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
    }
}
