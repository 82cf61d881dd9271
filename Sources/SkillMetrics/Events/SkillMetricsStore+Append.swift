import Foundation
import GRDB

extension SkillMetricsStore {
    /// What an append did.
    public struct AppendResult: Sendable, Equatable {
        /// Events written.
        public var appended: Int = 0
        /// Events whose id was already stored with the same content (no-ops).
        public var alreadyPresent: Int = 0
        /// The seq of the last event written, if any.
        public var lastSeq: Int64?

        public init() {}
    }

    /// Appends events in one IMMEDIATE transaction: all of them or none.
    ///
    /// Each event is validated (``SkillInvocation/validate()``); an id already stored with the
    /// same content is skipped, with different content the whole call fails with
    /// ``SkillMetricsError/conflictingEvent(id:fields:)`` and writes nothing. The triggers
    /// update the projections in the same transaction.
    @discardableResult
    public func append(_ events: [SkillInvocation]) throws -> AppendResult {
        for event in events { try event.validate() }
        return try appendTransaction { db in try Self.appendValidated(events, in: db) }
    }

    /// Appends one event (see ``append(_:)-([SkillInvocation])``).
    @discardableResult
    public func append(_ event: SkillInvocation) throws -> AppendResult {
        try append([event])
    }

    static func append(_ events: some Sequence<SkillInvocation>, in db: Database) throws -> AppendResult {
        var result = AppendResult()
        for event in events {
            switch try EventLog.append(event, in: db) {
            case .appended(let seq):
                result.appended += 1
                result.lastSeq = seq
            case .alreadyPresent:
                result.alreadyPresent += 1
            }
        }
        return result
    }

    /// Appends a stream of events in batches of `batchSize`, one transaction per batch.
    ///
    /// `next` is called on the writer's queue until it returns nil; `progress` is told the
    /// running totals after each batch. When a batch fails, it is rolled back, earlier batches
    /// stay committed, and the error is thrown wrapped with the count committed so far.
    public func appendBatches(
        batchSize: Int,
        next: () throws -> SkillInvocation?,
        progress: (AppendResult) -> Void = { _ in }
    ) throws -> AppendResult {
        precondition(batchSize > 0, "batchSize must be positive")
        var total = AppendResult()
        var pending: [SkillInvocation] = []
        pending.reserveCapacity(min(batchSize, 10_000))
        var finished = false
        while !finished {
            pending.removeAll(keepingCapacity: true)
            while pending.count < batchSize {
                guard let event = try next() else {
                    finished = true
                    break
                }
                try event.validate()
                pending.append(event)
            }
            if pending.isEmpty { break }
            do {
                let batch = try write { db in try Self.append(pending, in: db) }
                total.appended += batch.appended
                total.alreadyPresent += batch.alreadyPresent
                total.lastSeq = batch.lastSeq ?? total.lastSeq
                progress(total)
            } catch {
                throw BatchAppendFailure(committed: total, underlying: error)
            }
        }
        return total
    }
}

/// A batched append that failed part way: earlier batches are committed, the failing one is not.
public struct BatchAppendFailure: Error, Sendable, CustomStringConvertible {
    /// What earlier batches committed.
    public var committed: SkillMetricsStore.AppendResult
    public var underlying: any Error

    public var description: String {
        "\(underlying) (the failing batch was rolled back; \(committed.appended) events from earlier batches stay committed)"
    }
}
