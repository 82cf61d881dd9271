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

        /// Counts one event's outcome.
        mutating func record(_ outcome: EventLog.AppendOutcome) {
            switch outcome {
            case .appended(let seq):
                appended += 1
                lastSeq = seq
            case .alreadyPresent:
                alreadyPresent += 1
            }
        }

        /// Adds a later batch's counts.
        mutating func add(_ batch: AppendResult) {
            appended += batch.appended
            alreadyPresent += batch.alreadyPresent
            lastSeq = batch.lastSeq ?? lastSeq
        }
    }

    /// Appends events in one IMMEDIATE transaction: all of them or none.
    ///
    /// Each event is validated (``SkillInvocation/validate(allowingNegativeDuration:)``); an id already stored with the
    /// same content is skipped, with different content the whole call fails with
    /// ``SkillMetricsError/conflictingEvent(id:fields:)`` and writes nothing. The triggers
    /// update the projections in the same transaction.
    @discardableResult
    public func append(_ events: [SkillInvocation]) throws -> AppendResult {
        for event in events { try event.validate() }
        return try appendTransaction(keepingBulkMode: true) { db in
            try Self.appendValidated(events, in: db, keepingBulkMode: true)
        }
    }

    /// Appends one event (see ``append(_:)-([SkillInvocation])``).
    @discardableResult
    public func append(_ event: SkillInvocation) throws -> AppendResult {
        try append([event])
    }

    static func append(_ events: some Collection<SkillInvocation>, in db: Database) throws -> AppendResult {
        try EventLog.appendBatch(events, in: db, validated: false)
    }
}

/// A batched append that failed part way: earlier batches are committed, the failing one is not.
public struct BatchAppendFailure: Error, Sendable, CustomStringConvertible {
    /// What earlier batches committed.
    public var committed: SkillMetricsStore.AppendResult
    public var underlying: any Error

    public var description: String {
        let cause = (underlying as? DatabaseError).map(SkillMetricsError.sqliteText) ?? "\(underlying)"
        return "\(cause) (the failing batch was rolled back; \(committed.appended) events from earlier batches stay committed)"
    }
}
