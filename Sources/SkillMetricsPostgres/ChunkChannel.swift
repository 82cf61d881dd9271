import Dispatch
import Foundation
import Synchronization

/// A bounded hand-over of chunks from an async producer (rows arriving from the server) to a
/// synchronous consumer (a write transaction on the local store's writer thread).
///
/// The producer ``send(_:)``s chunks and then calls ``finish(throwing:)`` once; ``send(_:)``
/// suspends while ``capacity`` chunks wait, so memory stays bounded however slow the consumer
/// is. The consumer calls ``next()`` until it returns nil (or throws the producer's error); it
/// blocks its thread while nothing waits, so it runs on a thread of its own, never on a Swift
/// concurrency thread: ``consume(_:)`` starts it there. A consumer that gives up (throws from
/// ``consume(_:)``, or calls ``cancel()``) makes the producer's next ``send(_:)`` throw
/// ``Cancelled``.
final class ChunkChannel<Element: Sendable>: Sendable {
    /// Thrown to the producer when the consumer has cancelled.
    struct Cancelled: Error {}

    private struct State {
        var chunks: [[Element]] = []
        var finished = false
        var failure: (any Error)?
        var cancelled = false
        /// A producer waiting for room, resumed with false (nothing placed: it tries again).
        var waitingProducer: CheckedContinuation<Bool, Never>?
    }

    private let state = Mutex(State())
    /// Signalled once per chunk sent and once at the finish: one wait per ``next()`` call.
    private let signals = DispatchSemaphore(value: 0)
    let capacity: Int

    init(capacity: Int) {
        self.capacity = Swift.max(1, capacity)
    }

    /// Runs the consumer `body` on a thread of its own and returns what it returns; when it
    /// throws, the channel is cancelled first (the producer stops at its next ``send(_:)``).
    func consume<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Swift.Result {
                    do {
                        return try body()
                    } catch {
                        self.cancel()
                        throw error
                    }
                })
            }.start()
        }
    }

    /// Hands `chunk` over, suspending while ``capacity`` chunks wait; throws ``Cancelled``
    /// when the consumer has given up.
    func send(_ chunk: [Element]) async throws {
        while true {
            let placed: Bool = await withCheckedContinuation { continuation in
                let placedNow: Bool? = state.withLock { state in
                    if state.cancelled { return false }
                    guard state.chunks.count < capacity else {
                        state.waitingProducer = continuation
                        return nil
                    }
                    state.chunks.append(chunk)
                    return true
                }
                if let placedNow {
                    if placedNow { signals.signal() }
                    continuation.resume(returning: placedNow)
                }
            }
            if placed { return }
            if state.withLock({ $0.cancelled }) { throw Cancelled() }
        }
    }

    /// Ends the stream: the consumer's ``next()`` returns nil after the chunks already sent,
    /// or throws `failure`. Later calls change nothing.
    func finish(throwing failure: (any Error)? = nil) {
        let first = state.withLock { state in
            guard !state.finished else { return false }
            state.finished = true
            state.failure = failure
            return true
        }
        if first { signals.signal() }
    }

    /// The next chunk, blocking until one is sent; nil once the producer has finished, or the
    /// producer's error.
    func next() throws -> [Element]? {
        signals.wait()
        let (chunk, failure, producer) = state.withLock { state -> ([Element]?, (any Error)?, CheckedContinuation<Bool, Never>?) in
            let producer = state.waitingProducer
            state.waitingProducer = nil
            if !state.chunks.isEmpty { return (state.chunks.removeFirst(), nil, producer) }
            return (nil, state.failure, producer)
        }
        producer?.resume(returning: false)
        if let failure { throw failure }
        return chunk
    }

    /// The consumer gives up: a waiting or later ``send(_:)`` throws ``Cancelled``.
    func cancel() {
        let producer = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            state.cancelled = true
            state.chunks.removeAll()
            let producer = state.waitingProducer
            state.waitingProducer = nil
            return producer
        }
        producer?.resume(returning: false)
    }
}
