import Foundation
import Synchronization
import Testing
@testable import SkillMetrics

/// A value computed on a thread of its own (a rebuild's `session_skill` comparison).
@Suite("Concurrent computation")
struct ConcurrentComputationTests {
    struct Failure: Error, Equatable {}

    @Test func theValueComesFromAnotherThreadAndCanBeTakenTwice() throws {
        let caller = pthread_self()
        let ranElsewhere = Mutex(false)
        let computation = ConcurrentComputation { () -> Int in
            ranElsewhere.withLock { $0 = pthread_equal(pthread_self(), caller) == 0 }
            Thread.sleep(forTimeInterval: 0.01)
            return 42
        }
        #expect(try computation.value() == 42)
        #expect(try computation.value() == 42)
        computation.wait()
        #expect(ranElsewhere.withLock { $0 })
    }

    @Test func anErrorIsThrownWhereTheValueIsTaken() throws {
        let computation = ConcurrentComputation { () throws -> Int in throw Failure() }
        #expect(throws: Failure.self) { try computation.value() }
        #expect(throws: Failure.self) { try computation.value() }
    }

    @Test func waitingReturnsOnlyOnceTheComputationHasEnded() {
        let ended = Mutex(false)
        let computation = ConcurrentComputation { () -> Void in
            Thread.sleep(forTimeInterval: 0.05)
            ended.withLock { $0 = true }
        }
        computation.wait()
        #expect(ended.withLock { $0 })
    }
}
