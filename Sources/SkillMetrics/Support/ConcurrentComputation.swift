import Dispatch
import Foundation
import Synchronization

/// A value computed on a thread of its own while the caller goes on, taken with
/// ``value()`` where it is needed.
///
/// The thread is always waited for: call ``value()`` (or ``wait()``, e.g. in a `defer`, on a path
/// that no longer needs the value) before the computation's inputs go away.
final class ConcurrentComputation<Value: Sendable>: Sendable {
    private let outcome = Mutex<Result<Value, any Error>?>(nil)
    private let finished = DispatchSemaphore(value: 0)
    /// Set once the caller has waited (the semaphore is signalled only once).
    private let waited = Mutex(false)

    /// Starts `compute` on a new thread.
    init(_ compute: @escaping @Sendable () throws -> Value) {
        // The thread holds the object until it has stored the outcome.
        Thread { [self] in
            let result = Result { try compute() }
            outcome.withLock { $0 = result }
            finished.signal()
        }.start()
    }

    /// Waits for the computation to end (more than once is fine).
    func wait() {
        let first = waited.withLock { waited -> Bool in
            defer { waited = true }
            return !waited
        }
        if first { finished.wait() }
    }

    /// The computed value, or the computation's error, once it has ended.
    func value() throws -> Value {
        wait()
        guard let result = outcome.withLock({ $0 }) else {
            throw SkillMetricsError.database(operation: "background computation", message: "it has not finished")
        }
        return try result.get()
    }
}
