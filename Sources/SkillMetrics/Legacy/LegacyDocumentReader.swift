import Foundation

/// Decodes a legacy file straight from its bytes into a ``LegacyDocument``, without building a
/// ``JSONValue`` tree of the whole file first (the tree of a 100k-invocation file is several
/// times the file's size and most of the import's parse time).
///
/// It scans with ``JSONParser``'s own cursor, so it accepts exactly the JSON the parser
/// accepts, and it checks everything ``LegacyDocument``'s path-tracking decoder checks (key
/// sets, types, integers, timestamps, dialect). It has no error messages of its own: at the
/// first thing that is not a valid legacy document it gives up (`nil`), and
/// ``LegacyDocument/parse(_:file:dialect:)`` runs the tree parser and the decoder, whose
/// errors name the line and column or the JSON path. A valid file therefore gives the same
/// document either way, an invalid one the same error.
///
/// From an open file it reads a window at a time (``read(descriptor:dialect:lookahead:chunk:)``):
/// the file's bytes are never all in memory beside the document they become, which is most of
/// an import's peak memory otherwise.
struct LegacyDocumentReader {
    private var cursor: JSONParser.Cursor
    /// The file the rest of the input comes from; nil when `cursor` holds all of it.
    private var source: FileWindow?
    /// A guess at the whole input's size (to reserve the invocation list).
    private let sizeHint: Int

    /// The document in `bytes`, or nil when the file is not a valid legacy document (or is
    /// valid in a way this reader does not handle; the caller's tree path then decides).
    static func read(_ bytes: [UInt8], dialect: LegacyDialect?) -> LegacyDocument? {
        var reader = LegacyDocumentReader(
            cursor: JSONParser.Cursor(bytes: bytes, maximumDepth: JSONParser().maximumDepth), source: nil,
            sizeHint: bytes.count)
        return reader.document(dialect: dialect)
    }

    /// Bytes kept ahead of the cursor between two values of a list when reading from a file.
    static let defaultLookahead = 1 << 20
    /// Bytes read from the file at a time.
    static let defaultChunk = 1 << 22

    /// The document in the open file `descriptor` (read from its current offset to its end,
    /// a window at a time), or nil as ``read(_:dialect:)`` — also when one value of a list
    /// (an invocation, a skill, a count) is longer than `lookahead` bytes, or reading fails:
    /// the caller then reads the whole file and lets ``read(_:dialect:)`` and the tree path
    /// decide, so a window never changes what is accepted or how an error is named.
    static func read(
        descriptor: Int32, dialect: LegacyDialect?, lookahead: Int = defaultLookahead, chunk: Int = defaultChunk
    ) -> LegacyDocument? {
        var info = stat()
        let size = fstat(descriptor, &info) == 0 && info.st_size > 0 ? Int(clamping: info.st_size) : 0
        var window = FileWindow(descriptor: descriptor, lookahead: max(lookahead, 1), chunk: max(chunk, 1))
        var first: [UInt8] = []
        window.append(to: &first, atLeast: window.lookahead + window.chunk)
        var reader = LegacyDocumentReader(
            cursor: JSONParser.Cursor(bytes: first, maximumDepth: JSONParser().maximumDepth), source: window,
            sizeHint: size)
        guard let document = reader.document(dialect: dialect), reader.source?.failed != true else { return nil }
        return document
    }

    /// The part of a file not yet in the cursor's input.
    private struct FileWindow {
        let descriptor: Int32
        let lookahead: Int
        let chunk: Int
        /// The end of the file was read.
        var atEnd = false
        /// A read failed (the reader then gives up: the caller's whole-file read reports it).
        var failed = false

        /// Appends at least `count` more bytes of the file to `bytes` (fewer at its end).
        mutating func append(to bytes: inout [UInt8], atLeast count: Int) {
            let target = bytes.count + count
            while !atEnd, bytes.count < target {
                let start = bytes.count
                let room = target - start
                bytes.append(contentsOf: repeatElement(0, count: room))
                let got = bytes.withUnsafeMutableBytes { buffer -> Int in
                    guard let base = buffer.baseAddress else { return -1 }
                    return readFromFile(descriptor, base + start, room)
                }
                if got > 0 {
                    bytes.removeLast(room - got)
                } else {
                    bytes.removeLast(room)
                    if got == 0 {
                        atEnd = true
                    } else if errno != EINTR {
                        failed = true
                        atEnd = true
                    }
                }
            }
        }
    }

    /// Between two values of a list (where nothing holds a position into the input): when
    /// fewer than `lookahead` bytes are left ahead of the cursor and the file has more, the
    /// input becomes those bytes followed by the file's next bytes, `lookahead + chunk` in all.
    /// `toEnd` (after the document's last value): the rest of the file, whatever its size.
    private mutating func refill(toEnd: Bool = false) {
        let ahead = cursor.bytes.count - cursor.index
        guard var window = source, !window.atEnd, toEnd || ahead < window.lookahead else { return }
        source = nil
        var next: [UInt8] = []
        next.reserveCapacity(window.lookahead + window.chunk)
        next.append(contentsOf: cursor.bytes[cursor.index...])
        cursor.bytes = []
        repeat {
            window.append(to: &next, atLeast: toEnd ? window.chunk : window.lookahead + window.chunk - ahead)
        } while toEnd && !window.atEnd
        cursor.bytes = next
        cursor.index = 0
        source = window
    }

    /// The whole of the open file `descriptor` (from its current offset), or nil when a read
    /// fails. `sizeHint`: the expected size, reserved up front (a file that grew is still read
    /// to its end).
    static func readAll(descriptor: Int32, sizeHint: Int) -> [UInt8]? {
        var window = FileWindow(descriptor: descriptor, lookahead: 0, chunk: defaultChunk)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sizeHint + 1)
        while !window.atEnd {
            // Fill what is reserved (no reallocation at the end of a file of the expected size).
            window.append(to: &bytes, atLeast: max(bytes.capacity - bytes.count, 1))
        }
        return window.failed ? nil : bytes
    }

    // MARK: keys

    /// Bits of the invocation keys of both dialects.
    private enum Key {
        static let skillName: UInt16 = 1 << 0
        static let invokedAt: UInt16 = 1 << 1
        static let sessionID: UInt16 = 1 << 2
        static let workflowPath: UInt16 = 1 << 3
        static let completed: UInt16 = 1 << 4
        static let durationSeconds: UInt16 = 1 << 5
        static let userQuery: UInt16 = 1 << 6
        static let alternativesConsidered: UInt16 = 1 << 7
        static let selectionRank: UInt16 = 1 << 8
        static let followUpActions: UInt16 = 1 << 9
        static let errorType: UInt16 = 1 << 10

        static let crackerjack: UInt16 = skillName | invokedAt | workflowPath | completed | durationSeconds
            | followUpActions | errorType
        static let sessionBuddy: UInt16 = crackerjack | sessionID | userQuery | alternativesConsidered | selectionRank
        static let sessionBuddyExtra: UInt16 = userQuery | alternativesConsidered | selectionRank

        static let nameBytes: [[UInt8]] = names.map(\.name)

        static let names: [(name: [UInt8], bit: UInt16)] = [
            (Array("skill_name".utf8), skillName), (Array("invoked_at".utf8), invokedAt),
            (Array("session_id".utf8), sessionID), (Array("workflow_path".utf8), workflowPath),
            (Array("completed".utf8), completed), (Array("duration_seconds".utf8), durationSeconds),
            (Array("user_query".utf8), userQuery), (Array("alternatives_considered".utf8), alternativesConsidered),
            (Array("selection_rank".utf8), selectionRank), (Array("follow_up_actions".utf8), followUpActions),
            (Array("error_type".utf8), errorType),
        ]
    }

    /// The skill entry's keys, in the order of ``LegacySkill``'s fields.
    private static let skillKeys: [[UInt8]] = [
        "skill_name", "total_invocations", "completed_invocations", "abandoned_invocations",
        "total_duration_seconds", "workflow_paths", "common_errors", "follow_up_actions",
        "first_invoked", "last_invoked", "completion_rate", "avg_duration_seconds",
    ].map { Array($0.utf8) }

    private static let topKeys: [[UInt8]] = ["invocations", "skills", "last_updated"].map { Array($0.utf8) }

    // MARK: scanning

    private var bytes: [UInt8] { cursor.bytes }

    /// Skips whitespace and consumes `byte` when it is next.
    private mutating func consume(_ byte: UInt8) -> Bool {
        cursor.skipWhitespace()
        guard cursor.index < bytes.count, bytes[cursor.index] == byte else { return false }
        cursor.index += 1
        return true
    }

    private mutating func peek() -> UInt8? {
        cursor.skipWhitespace()
        return cursor.index < bytes.count ? bytes[cursor.index] : nil
    }

    /// A key without escapes, as its index in `names`; nil for anything else (a key with an
    /// escape, or an unknown one: both make the document one the tree path must decide).
    /// `hint`: the index to try first (the key files usually write next).
    private mutating func memberKey(in names: [[UInt8]], hint: Int = 0) -> Int? {
        guard peek() == UInt8(ascii: "\"") else { return nil }
        let start = cursor.index + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
            end += 1
        }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
        let found: Int? = bytes.withUnsafeBufferPointer { buffer in
            let key = UnsafeBufferPointer(rebasing: buffer[start..<end])
            func matches(_ name: [UInt8]) -> Bool {
                name.count == key.count && name.withUnsafeBufferPointer { candidate in
                    guard let a = candidate.baseAddress, let b = key.baseAddress else { return key.isEmpty }
                    return memcmp(a, b, key.count) == 0
                }
            }
            if hint < names.count, matches(names[hint]) { return hint }
            return names.firstIndex(where: matches)
        }
        guard let found else { return nil }
        cursor.index = end + 1
        guard consume(UInt8(ascii: ":")) else { return nil }
        cursor.skipWhitespace()
        return found
    }

    private mutating func string() -> String? {
        guard peek() == UInt8(ascii: "\"") else { return nil }
        return try? cursor.parseString()
    }

    /// A string or null: `.some(nil)` for null, nil when the value is neither.
    private mutating func optionalString() -> String?? {
        switch peek() {
        case UInt8(ascii: "n"):
            guard (try? cursor.expectWord("null")) != nil else { return nil }
            return .some(nil)
        case UInt8(ascii: "\""):
            guard let text = try? cursor.parseString() else { return nil }
            return .some(text)
        default:
            return nil
        }
    }

    private mutating func bool() -> Bool? {
        switch peek() {
        case UInt8(ascii: "t"): return (try? cursor.expectWord("true")) != nil ? true : nil
        case UInt8(ascii: "f"): return (try? cursor.expectWord("false")) != nil ? false : nil
        default: return nil
        }
    }

    private mutating func number() -> JSONNumber? {
        guard let byte = peek(), byte == UInt8(ascii: "-") || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) else {
            return nil
        }
        return try? cursor.parseNumber()
    }

    private mutating func int() -> Int? {
        number()?.intValue
    }

    /// A list of strings.
    private mutating func strings() -> [String]? {
        guard consume(UInt8(ascii: "[")) else { return nil }
        var list: [String] = []
        if consume(UInt8(ascii: "]")) { return list }
        while true {
            guard let text = string() else { return nil }
            list.append(text)
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]")) ? list : nil
        }
    }

    /// A `{"key": count, …}` dictionary (keys unique).
    private mutating func counts() -> OrderedCounts? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        var counts = OrderedCounts()
        if consume(UInt8(ascii: "}")) { return counts }
        while true {
            refill()
            guard let name = string(), consume(UInt8(ascii: ":")), let count = int() else { return nil }
            guard counts[name] == nil else { return nil }  // a duplicate key (not added: it could overflow)
            counts.add(name, count: count)
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}")) ? counts : nil
        }
    }

    // MARK: the document

    private mutating func document(dialect requested: LegacyDialect?) -> LegacyDocument? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        var invocations: [LegacyInvocation]?
        var masks: [UInt16] = []
        var skills: [LegacySkill]?
        var lastUpdated: String??
        if !consume(UInt8(ascii: "}")) {
            while true {
                switch memberKey(in: Self.topKeys) {
                case 0?:
                    guard invocations == nil, let list = invocationList(masks: &masks) else { return nil }
                    invocations = list
                case 1?:
                    guard skills == nil, let entries = skillEntries() else { return nil }
                    skills = entries
                case 2?:
                    guard lastUpdated == nil, let value = optionalString() else { return nil }
                    lastUpdated = .some(value)
                default:
                    return nil
                }
                if consume(UInt8(ascii: ",")) { continue }
                guard consume(UInt8(ascii: "}")) else { return nil }
                break
            }
        }
        refill(toEnd: true)
        cursor.skipWhitespace()
        guard cursor.index == bytes.count, let invocations else { return nil }
        let dialect: LegacyDialect
        if let requested {
            dialect = requested
        } else if skills != nil || lastUpdated != nil {
            dialect = .crackerjack
        } else if let first = masks.first, first & Key.sessionID == 0 {
            dialect = .crackerjack
        } else {
            dialect = .sessionBuddy
        }
        let allowed = dialect == .crackerjack ? Key.crackerjack : Key.sessionBuddy
        for (index, mask) in masks.enumerated() {
            guard mask == allowed else { return nil }  // a key missing or one of the other dialect
            let text = invocations[index].invokedAt
            switch dialect {
            case .crackerjack:
                guard LocalDateTime.parse(text) != nil else { return nil }
            case .sessionBuddy:
                guard (try? Timestamp.parse(text)) != nil else { return nil }
            }
        }
        if dialect == .crackerjack {
            guard let skills, let lastUpdated else { return nil }
            return LegacyDocument(dialect: dialect, invocations: invocations, skills: skills, lastUpdated: lastUpdated)
        }
        guard skills == nil, lastUpdated == nil else { return nil }
        return LegacyDocument(dialect: dialect, invocations: invocations)
    }

    private mutating func invocationList(masks: inout [UInt16]) -> [LegacyInvocation]? {
        guard consume(UInt8(ascii: "[")) else { return nil }
        var list: [LegacyInvocation] = []
        if consume(UInt8(ascii: "]")) { return list }
        // A first guess at the count from the file's size (about 250 bytes per entry).
        list.reserveCapacity(min(sizeHint / 250, 1 << 22))
        masks.reserveCapacity(list.capacity)
        while true {
            refill()
            var mask: UInt16 = 0
            guard let invocation = invocation(mask: &mask) else { return nil }
            list.append(invocation)
            masks.append(mask)
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]")) ? list : nil
        }
    }

    private mutating func invocation(mask: inout UInt16) -> LegacyInvocation? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        var skillName = ""
        var invokedAt = ""
        var sessionID: String?
        var workflowPath: String?
        var completed = false
        var duration: Double?
        var durationLiteral: String?
        var userQuery = JSONValue.null
        var alternatives = JSONValue.array([])
        var rank = JSONValue.null
        var actions: [String] = []
        var errorType: String?
        if consume(UInt8(ascii: "}")) { return nil }  // every key is missing
        var hint = 0
        while true {
            guard let index = memberKey(in: Key.nameBytes, hint: hint) else { return nil }
            hint = index + 1
            let bit = Key.names[index].bit
            guard mask & bit == 0 else { return nil }  // a duplicate key
            mask |= bit
            switch bit {
            case Key.skillName:
                guard let text = string() else { return nil }
                skillName = text
            case Key.invokedAt:
                guard let text = string() else { return nil }
                invokedAt = text
            case Key.sessionID:
                guard let text = optionalString() else { return nil }
                sessionID = text
            case Key.workflowPath:
                guard let text = optionalString() else { return nil }
                workflowPath = text
            case Key.completed:
                guard let flag = bool() else { return nil }
                completed = flag
            case Key.durationSeconds:
                if peek() == UInt8(ascii: "n") {
                    guard (try? cursor.expectWord("null")) != nil else { return nil }
                } else {
                    guard let value = number() else { return nil }
                    duration = value.doubleValue
                    if !Self.isPythonRepr(value) { durationLiteral = value.literal }
                }
            case Key.userQuery:
                guard let text = optionalString() else { return nil }
                userQuery = text.map(JSONValue.string) ?? .null
            case Key.alternativesConsidered:
                guard let list = strings() else { return nil }
                alternatives = .array(list.map(JSONValue.string))
            case Key.selectionRank:
                if peek() == UInt8(ascii: "n") {
                    guard (try? cursor.expectWord("null")) != nil else { return nil }
                    rank = .null
                } else {
                    guard let value = number(), value.intValue != nil else { return nil }
                    rank = .number(value)
                }
            case Key.followUpActions:
                guard let list = strings() else { return nil }
                actions = list
            default:
                guard let text = optionalString() else { return nil }
                errorType = text
            }
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(UInt8(ascii: "}")) else { return nil }
            break
        }
        var extra = JSONObject()
        if mask & Key.sessionBuddyExtra != 0 {
            extra = JSONObject([("user_query", userQuery), ("alternatives_considered", alternatives), ("selection_rank", rank)])
        }
        return LegacyInvocation(
            skillName: skillName, invokedAt: invokedAt, sessionID: sessionID, workflowPath: workflowPath,
            completed: completed, durationSeconds: duration, durationLiteral: durationLiteral,
            followUpActions: actions, errorType: errorType, extra: extra)
    }

    private mutating func skillEntries() -> [LegacySkill]? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        var entries: [LegacySkill] = []
        var seen = Set<ExactText>()  // skill names are the same only when their bytes are
        if consume(UInt8(ascii: "}")) { return entries }
        while true {
            refill()
            guard let name = string(), seen.insert(ExactText(name)).inserted, consume(UInt8(ascii: ":")),
                  let skill = skill(named: name)
            else { return nil }
            entries.append(skill)
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}")) ? entries : nil
        }
    }

    private mutating func skill(named entryKey: String) -> LegacySkill? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        var mask = 0
        var skillName = ""
        var ints = [0, 0, 0]
        var doubles = [0.0, 0.0, 0.0]
        var dictionaries = [OrderedCounts(), OrderedCounts(), OrderedCounts()]
        var first: String?
        var last: String?
        if consume(UInt8(ascii: "}")) { return nil }
        var hint = 0
        while true {
            guard let index = memberKey(in: Self.skillKeys, hint: hint), mask & (1 << index) == 0 else { return nil }
            hint = index + 1
            mask |= 1 << index
            switch index {
            case 0:
                guard let text = string() else { return nil }
                skillName = text
            case 1, 2, 3:
                guard let value = int() else { return nil }
                ints[index - 1] = value
            case 4:
                guard let value = number() else { return nil }
                doubles[0] = value.doubleValue
            case 5, 6, 7:
                guard let value = counts() else { return nil }
                dictionaries[index - 5] = value
            case 8:
                guard let text = optionalString() else { return nil }
                first = text
            case 9:
                guard let text = optionalString() else { return nil }
                last = text
            default:
                guard let value = number() else { return nil }
                doubles[index - 9] = value.doubleValue
            }
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(UInt8(ascii: "}")) else { return nil }
            break
        }
        guard mask == (1 << Self.skillKeys.count) - 1 else { return nil }
        return LegacySkill(
            key: entryKey, skillName: skillName, totalInvocations: ints[0], completedInvocations: ints[1],
            abandonedInvocations: ints[2], totalDurationSeconds: doubles[0], workflowPaths: dictionaries[0],
            commonErrors: dictionaries[1], followUpActions: dictionaries[2], firstInvoked: first,
            lastInvoked: last, completionRate: doubles[1], avgDurationSeconds: doubles[2])
    }

    // MARK: duration literals

    /// True when `number`'s literal is exactly Python's `repr` of its value (so the import
    /// need not keep it). The common shape is decided from the text alone: a positional
    /// literal `-?D.F` whose first significant digit has a decimal exponent in `-4 ..< 16`
    /// (the range in which `repr` is positional), with no trailing zero in the fraction
    /// except `.0` itself, and at most 15 significant digits. Two decimals of at most 15
    /// significant digits never round to the same double (DBL_DIG), so such a literal is the
    /// shortest one that round-trips: the digits `repr` writes. Anything else is compared
    /// with ``PythonFloatFormatter/repr(_:)``.
    static func isPythonRepr(_ number: JSONNumber) -> Bool {
        let text = number.literal.utf8
        if let shape = positionalShape(text) { return shape }
        return PythonFloatFormatter.repr(number.doubleValue) == number.literal
    }

    /// true/false when the text alone decides; nil when ``PythonFloatFormatter`` must.
    static func positionalShape(_ text: String.UTF8View) -> Bool? {
        let zero = UInt8(ascii: "0")
        var integerDigits = 0
        var fractionDigits = 0
        var seenPoint = false
        var lastFractionDigit = zero
        // Positions (counted over all digits) of the first and last non-zero digit.
        var digitCount = 0
        var firstSignificant = -1
        var lastSignificant = -1
        for (offset, byte) in text.enumerated() {
            if offset == 0 && byte == UInt8(ascii: "-") { continue }
            if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
                continue
            }
            guard byte >= zero && byte <= UInt8(ascii: "9"), digitCount < 40 else {
                return nil  // an exponent, or a very long literal
            }
            if seenPoint {
                fractionDigits += 1
                lastFractionDigit = byte
            } else {
                integerDigits += 1
            }
            if byte != zero {
                if firstSignificant < 0 { firstSignificant = digitCount }
                lastSignificant = digitCount
            }
            digitCount += 1
        }
        guard seenPoint, integerDigits > 0, fractionDigits > 0 else { return nil }
        // repr never ends a fraction with 0, except the ".0" of an integral value.
        if lastFractionDigit == zero && fractionDigits > 1 { return false }
        guard firstSignificant >= 0 else { return fractionDigits == 1 }  // 0.0 or -0.0
        guard lastSignificant - firstSignificant + 1 <= 15 else { return nil }
        // The decimal exponent of the first significant digit.
        let exponent = integerDigits - 1 - firstSignificant
        return exponent >= -4 && exponent < 16
    }
}

/// `read(2)` (named apart from the reader's own `read` functions).
private func readFromFile(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
