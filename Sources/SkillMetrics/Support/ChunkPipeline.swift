import Dispatch
import Foundation
import Synchronization

/// A producer on a thread of its own handing chunks, in order, to a consumer on the calling
/// thread: for work that splits into building values and writing them (a legacy import builds
/// and folds events while the writer inserts the chunks built before). Or the other way round
/// (``runConsumingElsewhere(capacity:consume:produce:)``): the calling thread, which holds a
/// database connection, produces and a new thread consumes (a fold: SQLite's stepping here,
/// the projectors there).
///
/// At most `capacity` chunks wait between the two, so memory stays bounded however slow the
/// consumer is. The producer's `send` returns false once the consumer has stopped; the
/// producer should then return (anything). ``run(capacity:produce:consume:)`` returns only
/// after the producer's thread has finished, whatever happened.
enum ChunkPipeline {
    /// Runs `produce` on a new thread and `consume` on this one for each chunk it sends, then
    /// returns what `produce` returned.
    ///
    /// Errors: the consumer's first error stops the producer (its next `send` returns false)
    /// and is thrown; a producer's error is thrown once the consumer has taken every chunk
    /// sent before it, so errors come in the order a sequential loop would meet them.
    static func run<Chunk: Sendable, Summary: Sendable>(
        capacity: Int,
        produce: @escaping @Sendable (_ send: (Chunk) -> Bool) throws -> Summary,
        consume: (Chunk) throws -> Void
    ) throws -> Summary {
        let channel = Channel<Chunk, Summary>(capacity: capacity)
        Thread { channel.runProducer(produce) }.start()
        defer {
            channel.cancel()
            channel.waitForProducer()
        }
        while let chunk = try channel.next() {
            try consume(chunk)
        }
        return try channel.summary()
    }

    /// The other way round: `produce` runs on this thread (the one that holds a database
    /// connection) and `consume` on a new thread, pulling the chunks in order with `next`
    /// (nil after the last) and returning a result; returns that result.
    ///
    /// Errors: a producer's error is thrown once the consumer has taken every chunk sent
    /// before it; a consumer that throws stops the producer (its next `send` returns false) and
    /// its error is thrown. So errors come in the order a sequential loop would meet them.
    static func runConsumingElsewhere<Chunk: Sendable, Summary: Sendable>(
        capacity: Int,
        consume: @escaping @Sendable (_ next: () throws -> Chunk?) throws -> Summary,
        produce: (_ send: (Chunk) -> Bool) throws -> Void
    ) throws -> Summary {
        let channel = Channel<Chunk, Void>(capacity: capacity)
        let consumed = Mutex<Result<Summary, any Error>?>(nil)
        let consumerFinished = DispatchSemaphore(value: 0)
        let consumer = Thread {
            let outcome = Result { try consume { try channel.next() } }
            consumed.withLock { $0 = outcome }
            // A consumer that stopped early (an error) lets a waiting producer go on.
            channel.cancel()
            consumerFinished.signal()
        }
        // The stack a main thread has: the consumer may run the recursive JSON parser.
        consumer.stackSize = 8 << 20
        consumer.start()
        channel.runProducer(produce)
        consumerFinished.wait()
        guard let outcome = consumed.withLock({ $0 }) else {
            throw SkillMetricsError.database(operation: "pipeline", message: "the consumer has not finished")
        }
        return try outcome.get()
    }

    /// The hand-over between the two threads.
    private final class Channel<Chunk: Sendable, Summary: Sendable>: Sendable {
        private struct State {
            var chunks: [Chunk] = []
            var outcome: Result<Summary, any Error>?
            var cancelled = false
            /// The producer waits (or is about to) on `room` for a place or the cancel.
            var producerWaiting = false
        }

        private let state = Mutex(State())
        private let capacity: Int
        // Every semaphore starts at 0: libdispatch traps when a semaphore is freed with a
        // value below its initial one (a counter of free places would be, after a cancel).
        /// One signal per chunk sent and one for the outcome.
        private let items = DispatchSemaphore(value: 0)
        /// Signalled when a place frees up or the consumer stops while the producer waits.
        private let room = DispatchSemaphore(value: 0)
        /// Signalled when the producer has returned.
        private let finished = DispatchSemaphore(value: 0)

        init(capacity: Int) {
            self.capacity = Swift.max(1, capacity)
        }

        func runProducer(_ produce: (_ send: (Chunk) -> Bool) throws -> Summary) {
            let outcome = Result { try produce(send) }
            state.withLock { $0.outcome = outcome }
            items.signal()
            finished.signal()
        }

        /// Places `chunk`, waiting for room; false when the consumer has stopped.
        private func send(_ chunk: Chunk) -> Bool {
            while true {
                let placed = state.withLock { state -> Bool? in
                    if state.cancelled { return false }
                    guard state.chunks.count < capacity else {
                        state.producerWaiting = true
                        return nil
                    }
                    state.chunks.append(chunk)
                    return true
                }
                switch placed {
                case true?:
                    items.signal()
                    return true
                case false?:
                    return false
                case nil:
                    room.wait()
                }
            }
        }

        /// The next chunk in order, nil after the last, or the producer's error.
        func next() throws -> Chunk? {
            items.wait()
            let (taken, wake) = state.withLock { state -> (Result<Chunk?, any Error>, Bool) in
                if !state.chunks.isEmpty {
                    // At most `capacity` chunks wait: removing the first moves only those.
                    let chunk = state.chunks.removeFirst()
                    defer { state.producerWaiting = false }
                    return (.success(chunk), state.producerWaiting)
                }
                switch state.outcome {
                case .failure(let error): return (.failure(error), false)
                case .success, nil: return (.success(nil), false)
                }
            }
            if wake { room.signal() }
            return try taken.get()
        }

        /// What the producer returned (after ``next()`` returned nil).
        func summary() throws -> Summary {
            guard let outcome = state.withLock({ $0.outcome }) else {
                throw SkillMetricsError.database(operation: "pipeline", message: "the producer has not finished")
            }
            return try outcome.get()
        }

        func cancel() {
            let wake = state.withLock { state -> Bool in
                defer {
                    state.cancelled = true
                    state.producerWaiting = false
                }
                return state.producerWaiting
            }
            if wake { room.signal() }
        }

        func waitForProducer() {
            finished.wait()
        }
    }
}
