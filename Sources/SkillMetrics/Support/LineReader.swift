import Foundation

/// Reads a file line by line (split on LF, a trailing CR dropped) without loading it whole.
///
/// A line longer than ``maximumLineBytes`` (default ``InputLimits/maximumLineBytes``, 16 MiB)
/// is an error naming the file and line, so memory stays bounded whatever the input.
public struct LineReader: Sendable {
    public let path: String
    /// How messages name the input: the path, or e.g. `<stdin>` for a spooled copy of it.
    public let displayName: String
    /// The longest line accepted, in bytes (without its line ending).
    public var maximumLineBytes: Int

    public init(path: String, displayName: String? = nil, maximumLineBytes: Int = InputLimits.maximumLineBytes) {
        self.path = path
        self.displayName = displayName ?? path
        self.maximumLineBytes = max(1, maximumLineBytes)
    }

    private func tooLong(_ line: Int) -> SkillMetricsError {
        .invalidInput(location: "\(displayName):\(line)", reason: "line is longer than \(maximumLineBytes) bytes, the limit for one line")
    }

    /// Calls `body` with each line's 1-based number and bytes. Stops early when it returns false.
    public func forEachLine(_ body: (Int, ArraySlice<UInt8>) throws -> Bool) throws {
        try forEachLine { number, bytes, _ in try body(number, bytes) }
    }

    /// ``forEachLine(_:)`` that also passes the byte offset of each line's first byte in the file.
    func forEachLine(_ body: (Int, ArraySlice<UInt8>, Int) throws -> Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            // Opening a directory succeeds on Linux and only the first read fails, with an
            // error that does not say why.
            throw SkillMetricsError.fileAccess(path: displayName, reason: "is a directory, not a file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SkillMetricsError.fileAccess(path: path, reason: FileManager.default.fileExists(atPath: path)
                ? "cannot open the file for reading" : "no such file")
        }
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        // File offset of buffer[0].
        var consumed = 0
        var lineNumber = 0
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw SkillMetricsError.fileAccess(path: displayName, reason: "read failed (\(error.localizedDescription))")
            }
            if chunk.isEmpty { break }
            buffer.append(contentsOf: chunk)
            var start = 0
            while let newline = buffer[start...].firstIndex(of: 0x0A) {
                lineNumber += 1
                var end = newline
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                if end - start > maximumLineBytes { throw tooLong(lineNumber) }
                if try !body(lineNumber, buffer[start..<end], consumed + start) { return }
                start = newline + 1
            }
            buffer.removeFirst(start)
            consumed += start
            if buffer.count > maximumLineBytes + 1 { throw tooLong(lineNumber + 1) }
        }
        if !buffer.isEmpty {
            lineNumber += 1
            var end = buffer.count
            if buffer[end - 1] == 0x0D { end -= 1 }
            if end > maximumLineBytes { throw tooLong(lineNumber) }
            _ = try body(lineNumber, buffer[0..<end], consumed)
        }
    }
}
