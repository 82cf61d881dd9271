import Foundation
import GRDB

/// Appends a JSONL file of events (one object per line, keyed by the `skill_invocation` column names).
///
/// Works in two passes so that bad input changes nothing: the first pass decodes and
/// validates every line and checks each id against the log (an id stored with other content
/// is a conflict), the second appends in batches of ``batchSize``, one transaction each.
/// The first pass keeps the decoded events of a file of at most ``keptEventLimit`` events for
/// the second; a longer file is read and decoded again, so memory stays bounded — on a thread
/// of its own, a few batches ahead of the appends.
/// Blank lines are skipped. Errors name the file and line.
public struct JSONLAppender: Sendable {
    public let store: SkillMetricsStore
    /// Events per transaction.
    public var batchSize: Int

    public init(store: SkillMetricsStore, batchSize: Int = 1_000) {
        self.store = store
        self.batchSize = max(1, batchSize)
    }

    /// Most decoded events the first pass keeps for the second (a few hundred bytes each);
    /// a file with more is read and decoded again by the second pass. Either way the same
    /// events are appended in the same batches.
    public var keptEventLimit = 100_000

    /// Validates and appends the file at `path`; `displayName` is used in messages.
    public func append(
        path: String, displayName: String? = nil, progress: ((Int) -> Void)? = nil
    ) throws -> SkillMetricsStore.AppendResult {
        let name = displayName ?? path
        let reader = LineReader(path: path, displayName: name)
        let decoder = JSONLEventDecoder()
        // Pass 1: decode, validate, check ids against the log. Nothing is written.
        // id → where its first line is (number, byte offset, length), so that an id repeated
        // with other content is refused before anything is written: the earlier line is read
        // again and compared field by field only when an id repeats (a SHA-256 fingerprint of
        // every event cost as much as decoding it).
        var seen: [ExactText: (line: Int, offset: Int, length: Int)] = [:]  // ids are the same only when their bytes are
        var earlierLines: FileHandle?
        defer { try? earlierLines?.close() }
        // The decoded events with their line numbers, for pass 2, while there are few enough.
        var kept: [(Int, SkillInvocation)]? = []
        try store.read { db in
            // An empty log (on this snapshot) holds no id to compare with: no lookup per line.
            let logIsEmpty = try SkillMetricsStore.maxSeq(db) == 0
            try reader.forEachLine { number, bytes, offset in
                guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return true }
                let event = try decodeLine(decoder, bytes, file: name, line: number)
                if !logIsEmpty, let existing = try EventLog.fetch(id: event.id, in: db) {
                    let differences = EventLog.contentDifferences(existing.event, event)
                    if !differences.isEmpty {
                        throw SkillMetricsError.invalidInput(
                            location: "\(name):\(number)",
                            reason: SkillMetricsError.conflictingEvent(id: event.id, fields: differences).description)
                    }
                }
                if let earlier = seen[ExactText(event.id)] {
                    let handle = try earlierLines ?? Self.open(path, name)
                    earlierLines = handle
                    let earlierEvent = try decodeLine(
                        decoder, try Self.read(handle, offset: earlier.offset, length: earlier.length, name),
                        file: name, line: earlier.line)
                    if !EventLog.contentDifferences(earlierEvent, event).isEmpty {
                        throw SkillMetricsError.invalidInput(
                            location: "\(name):\(number)",
                            reason: "event \(event.id) already appears on line \(earlier.line) with different content")
                    }
                } else {
                    seen[ExactText(event.id)] = (number, offset, bytes.count)
                }
                if let count = kept?.count {
                    if count < keptEventLimit { kept?.append((number, event)) } else { kept = nil }
                }
                return true
            }
        }
        // Pass 2: append in batches.
        var events: [(Int, SkillInvocation)] = []
        events.reserveCapacity(min(batchSize, 100_000))
        var total = SkillMetricsStore.AppendResult()
        func flush() throws {
            guard !events.isEmpty else { return }
            do {
                let result = try store.writeBatch { db in
                    // JSONLEventDecoder validated every event (its errors name the line).
                    try EventLog.appendBatch(
                        events.lazy.map(\.1), in: db, validated: true, keepingBulkMode: true,
                        locate: { "\(name):\(events[$0].0)" })
                }
                total.add(result)
                progress?(total.appended + total.alreadyPresent)
            } catch {
                throw BatchAppendFailure(committed: total, underlying: error)
            }
            events.removeAll(keepingCapacity: true)
        }
        if let kept {
            for entry in kept {
                events.append(entry)
                if events.count >= batchSize { try flush() }
            }
        } else {
            // The file is read and decoded again on a thread of its own (``ChunkPipeline``)
            // while this one appends the batches decoded before: pass 1 checked every line,
            // so the two overlap (decoding is about a fifth of an event's cost on `real`).
            // An error on that thread (the file changed since) comes after the batches
            // decoded before it, as in a loop on one thread.
            let batchSize = self.batchSize
            try ChunkPipeline.run(capacity: 2, produce: { send in
                var chunk: [(Int, SkillInvocation)] = []
                chunk.reserveCapacity(min(batchSize, 100_000))
                try reader.forEachLine { number, bytes in
                    guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return true }
                    chunk.append((number, try decodeLine(decoder, bytes, file: name, line: number)))
                    guard chunk.count >= batchSize else { return true }
                    defer { chunk.removeAll(keepingCapacity: true) }
                    return send(chunk)
                }
                if !chunk.isEmpty { _ = send(chunk) }
            }, consume: { chunk in
                events = chunk
                try flush()
            })
        }
        try flush()
        return total
    }

    /// The file opened again, to read the earlier line of a repeated id.
    private static func open(_ path: String, _ name: String) throws -> FileHandle {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SkillMetricsError.fileAccess(path: name, reason: "cannot open the file again to compare a repeated id")
        }
        return handle
    }

    /// The `length` bytes at `offset` of the file (an earlier line, read again).
    private static func read(_ handle: FileHandle, offset: Int, length: Int, _ name: String) throws -> ArraySlice<UInt8> {
        do {
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: length) ?? Data()
            guard data.count == length else {
                throw SkillMetricsError.fileAccess(path: name, reason: "the file changed while it was read")
            }
            return ArraySlice(data)
        } catch let error as SkillMetricsError {
            throw error
        } catch {
            throw SkillMetricsError.fileAccess(path: name, reason: "read failed (\(error.localizedDescription))")
        }
    }

    private func decodeLine(
        _ decoder: JSONLEventDecoder, _ bytes: ArraySlice<UInt8>, file: String, line: Int
    ) throws -> SkillInvocation {
        do {
            return try decoder.decode(line: bytes)
        } catch {
            if case .invalidInput(let location, let reason) = error, location.hasPrefix("column") || location == "line" {
                throw SkillMetricsError.invalidInput(
                    location: location == "line" ? "\(file):\(line)" : "\(file):\(line), \(location)", reason: reason)
            }
            throw SkillMetricsError.invalidInput(location: "\(file):\(line)", reason: error.description)
        }
    }
}
