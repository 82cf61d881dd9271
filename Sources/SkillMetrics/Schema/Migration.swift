import Crypto
import Foundation

/// One schema migration: a `V<n>__<description>.sql` file and its optional undo file.
public struct Migration: Sendable, Equatable {
    public var version: Int
    /// The description from the file name, underscores read as spaces.
    public var description: String
    public var fileName: String
    public var sql: String
    /// SHA-256 (hex) of the file with line endings normalised to LF.
    public var checksum: String
    public var undoFileName: String?
    public var undoSQL: String?

    /// SHA-256 (lower-case hex) of `bytes` with CRLF and lone CR turned into LF.
    public static func checksum(of bytes: [UInt8]) -> String {
        var normalized: [UInt8] = []
        normalized.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D {
                normalized.append(0x0A)
                if index + 1 < bytes.count && bytes[index + 1] == 0x0A { index += 1 }
            } else {
                normalized.append(byte)
            }
            index += 1
        }
        return Hex.encode(SHA256.hash(data: normalized))
    }

    /// Parses `V12__add_things.sql` into `("V", 12, "add things")`.
    static func parseFileName(_ name: String) -> (kind: Character, version: Int, description: String)? {
        guard name.hasSuffix(".sql"), let kind = name.first, kind == "V" || kind == "U" else { return nil }
        let stem = name.dropFirst().dropLast(4)
        guard let separator = stem.range(of: "__") else { return nil }
        let digits = stem[..<separator.lowerBound]
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let version = Int(digits), version >= 1
        else { return nil }
        let description = stem[separator.upperBound...].replacingOccurrences(of: "_", with: " ")
        guard !description.isEmpty else { return nil }
        return (kind, version, description)
    }

    /// Builds the ordered migration list from `(file name, bytes)` pairs. Versions sort
    /// numerically (V10 after V9).
    static func migrations(from files: [(name: String, bytes: [UInt8])]) throws(SkillMetricsError) -> [Migration] {
        var forward: [Int: (String, [UInt8], String)] = [:]
        var undo: [Int: (String, [UInt8])] = [:]
        for file in files {
            guard let parsed = parseFileName(file.name) else {
                throw .migration(.invalidFileName(file.name))
            }
            if parsed.kind == "V" {
                if let existing = forward[parsed.version] {
                    throw .migration(.duplicateVersion(parsed.version, files: [existing.0, file.name].sorted()))
                }
                forward[parsed.version] = (file.name, file.bytes, parsed.description)
            } else {
                if let existing = undo[parsed.version] {
                    throw .migration(.duplicateVersion(parsed.version, files: [existing.0, file.name].sorted()))
                }
                undo[parsed.version] = (file.name, file.bytes)
            }
        }
        for (version, file) in undo where forward[version] == nil {
            throw .migration(.invalidFileName("\(file.0) (no V\(version)__*.sql for this undo file)"))
        }
        return forward.keys.sorted().compactMap { version -> Migration? in
            guard let (name, bytes, description) = forward[version] else { return nil }
            let undoFile = undo[version]
            return Migration(
                version: version,
                description: description,
                fileName: name,
                sql: String(decoding: bytes, as: UTF8.self),
                checksum: checksum(of: bytes),
                undoFileName: undoFile?.0,
                undoSQL: undoFile.map { String(decoding: $0.1, as: UTF8.self) })
        }
    }
}
