import Dispatch
import Synchronization

/// Runs async library code (the PostgreSQL team log) from the synchronous commands.
enum AsyncBridge {
    /// Runs `body` on the concurrency runtime and waits for its result on this thread.
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        guard let result = outcome.withLock({ $0 }) else {
            throw CheckFailed(status: 2)
        }
        return try result.get()
    }
}
