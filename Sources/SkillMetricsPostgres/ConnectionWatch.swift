import NIOCore
import Synchronization

/// Keeps an exchange with the server from waiting forever once its connection has closed.
///
/// postgres-nio 1.33 can leave a query waiting for good when it is issued while the server
/// closes the connection (the backend terminated, the server stopped): the query's promise is
/// dropped with the closed channel and nothing resumes the caller. Every exchange of a
/// ``TeamLogConnection`` runs through ``run(_:lost:)``: it returns (or throws) what the exchange
/// does, unless the connection has been closed for ``grace`` and the exchange has still not
/// ended; then it throws the `lost` error and the exchange is cancelled and left behind.
final class ConnectionWatch: Sendable {
    /// An exchange in flight: what fails it once the connection is gone.
    private typealias Expire = @Sendable () -> Void

    private struct State {
        var closed = false
        var nextID: UInt64 = 0
        var waiting: [UInt64: Expire] = [:]
    }

    private let state = Mutex(State())
    private let eventLoop: any EventLoop
    /// How long an exchange may go on after the connection closed (its own error, usually the
    /// server's reason for closing, comes well within it).
    let grace: TimeAmount

    /// Watches the connection whose channel closes with `closeFuture`.
    init(closeFuture: EventLoopFuture<Void>, grace: TimeAmount = .milliseconds(500)) {
        eventLoop = closeFuture.eventLoop
        self.grace = grace
        closeFuture.whenComplete { [self] _ in
            state.withLock { $0.closed = true }
            eventLoop.scheduleTask(in: grace) { self.expireAll() }
        }
    }

    /// Runs `body` on a task of its own and returns its result, or throws `lost()` when the
    /// connection has closed and `body` has not ended ``grace`` later.
    func run<T: Sendable>(
        _ body: @escaping @Sendable () async throws -> T, lost: @escaping @Sendable () -> any Error
    ) async throws -> T {
        let outcome = Outcome<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                outcome.start(continuation)
                let id = register { outcome.finish(.failure(lost())) }
                outcome.attach(Task {
                    let result: Result<T, any Error>
                    do { result = .success(try await body()) } catch { result = .failure(error) }
                    self.unregister(id)
                    outcome.finish(result)
                })
            }
        } onCancel: {
            outcome.cancel()
        }
    }

    private func register(_ expire: @escaping Expire) -> UInt64 {
        let (id, closed) = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.waiting[id] = expire
            return (id, state.closed)
        }
        // Closed already: this exchange gets the grace period of its own.
        if closed { eventLoop.scheduleTask(in: grace) { self.expire(id) } }
        return id
    }

    private func unregister(_ id: UInt64) {
        _ = state.withLock { $0.waiting.removeValue(forKey: id) }
    }

    private func expire(_ id: UInt64) {
        state.withLock { $0.waiting.removeValue(forKey: id) }?()
    }

    private func expireAll() {
        let waiting = state.withLock { state in
            let waiting = state.waiting
            state.waiting = [:]
            return waiting
        }
        for expire in waiting.values { expire() }
    }

    /// One exchange's continuation, resumed exactly once (by the exchange or by the expiry),
    /// and the task running the exchange (cancelled when the caller is, or when it expires).
    private final class Outcome<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var task: Task<Void, Never>?
            var cancelled = false
        }

        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T, any Error>) {
            state.withLock { $0.continuation = continuation }
        }

        func attach(_ task: Task<Void, Never>) {
            let cancelled = state.withLock { state in
                state.task = task
                return state.cancelled
            }
            if cancelled { task.cancel() }
        }

        func finish(_ result: Result<T, any Error>) {
            let (continuation, task) = state.withLock { state in
                let continuation = state.continuation
                state.continuation = nil
                return (continuation, state.task)
            }
            guard let continuation else { return }
            if case .failure = result { task?.cancel() }
            continuation.resume(with: result)
        }

        func cancel() {
            let task = state.withLock { state in
                state.cancelled = true
                return state.task
            }
            task?.cancel()
        }
    }
}
