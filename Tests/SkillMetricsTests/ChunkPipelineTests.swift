import Foundation
import Synchronization
import Testing
@testable import SkillMetrics

/// The producer/consumer hand-over a legacy import into an empty log runs on.
@Suite("Chunk pipeline")
struct ChunkPipelineTests {
    struct Failure: Error, Equatable {
        let name: String
    }

    /// Counts the chunks alive (made and not yet freed), and the most ever alive at once.
    final class LiveCount: Sendable {
        private let state = Mutex((alive: 0, most: 0))
        func made() { state.withLock { $0.alive += 1; $0.most = max($0.most, $0.alive) } }
        func freed() { state.withLock { $0.alive -= 1 } }
        var alive: Int { state.withLock { $0.alive } }
        var most: Int { state.withLock { $0.most } }
    }

    final class TrackedChunk: Sendable {
        let values: [Int]
        let count: LiveCount
        init(_ values: [Int], _ count: LiveCount) {
            self.values = values
            self.count = count
            count.made()
        }
        deinit { count.freed() }
    }

    @Test("chunks arrive in order and the producer's result comes back", arguments: [1, 2, 4])
    func order(capacity: Int) throws {
        var received: [Int] = []
        let summary = try ChunkPipeline.run(capacity: capacity, produce: { send -> Int in
            var total = 0
            for start in stride(from: 0, to: 1_000, by: 10) {
                let chunk = Array(start..<start + 10)
                total += chunk.reduce(0, +)
                guard send(chunk) else { return -1 }
            }
            return total
        }, consume: { chunk in
            received.append(contentsOf: chunk)
        })
        #expect(received == Array(0..<1_000))
        #expect(summary == (0..<1_000).reduce(0, +))
    }

    /// A consumed chunk must not stay referenced: memory stays bounded by the capacity
    /// however far ahead the producer runs.
    @Test("consumed chunks are released; at most capacity wait")
    func bounded() throws {
        let live = LiveCount()
        let capacity = 3
        try ChunkPipeline.run(capacity: capacity, produce: { send in
            for index in 0..<200 {
                guard send(TrackedChunk([index], live)) else { return }
            }
        }, consume: { chunk in
            // The consumer is slower than the producer.
            Thread.sleep(forTimeInterval: 0.000_2)
            _ = chunk.values
        })
        // Waiting in the channel, the one being consumed and the one the producer is sending.
        #expect(live.most <= capacity + 2, "at most \(capacity + 2) chunks alive at once, saw \(live.most)")
        #expect(live.alive == 0)
    }

    @Test("a consumer's error stops the producer and is thrown")
    func consumerFailure() throws {
        let sends = Mutex(0)
        let refused = Mutex(false)
        let error = #expect(throws: Failure.self) {
            try ChunkPipeline.run(capacity: 2, produce: { send in
                for index in 0..<10_000 {
                    sends.withLock { $0 += 1 }
                    if !send(index) {
                        refused.withLock { $0 = true }
                        return
                    }
                }
            }, consume: { value in
                if value == 5 { throw Failure(name: "consumer at 5") }
            })
        }
        #expect(error == Failure(name: "consumer at 5"))
        // run returns only after the producer has: its last send was refused, long before the end.
        #expect(refused.withLock { $0 })
        #expect(sends.withLock { $0 } < 100)
    }

    @Test("a producer's error comes after the chunks sent before it")
    func producerFailure() throws {
        var received: [Int] = []
        let error = #expect(throws: Failure.self) {
            try ChunkPipeline.run(capacity: 4, produce: { send in
                for index in 0..<7 {
                    guard send(index) else { return }
                }
                throw Failure(name: "producer after 7")
            }, consume: { value in
                received.append(value)
            })
        }
        #expect(error == Failure(name: "producer after 7"))
        #expect(received == Array(0..<7))
    }

    @Test("a consumer's error wins over a producer's later one")
    func firstErrorWins() throws {
        let error = #expect(throws: Failure.self) {
            try ChunkPipeline.run(capacity: 1, produce: { send in
                for index in 0..<3 {
                    _ = send(index)
                }
                throw Failure(name: "producer")
            }, consume: { value in
                if value == 0 { throw Failure(name: "consumer") }
            })
        }
        #expect(error == Failure(name: "consumer"))
    }

    // The other way round (a fold: this thread reads the database, another folds).

    @Test("consuming elsewhere: chunks arrive in order and the consumer's result comes back", arguments: [1, 2, 4])
    func orderConsumingElsewhere(capacity: Int) throws {
        let consumer = Mutex<Thread?>(nil)
        let received = try ChunkPipeline.runConsumingElsewhere(capacity: capacity, consume: { (next: () throws -> [Int]?) -> [Int] in
            consumer.withLock { $0 = Thread.current }
            var values: [Int] = []
            while let chunk = try next() { values.append(contentsOf: chunk) }
            return values
        }, produce: { send in
            for start in stride(from: 0, to: 1_000, by: 10) {
                guard send(Array(start..<start + 10)) else { return }
            }
        })
        #expect(received == Array(0..<1_000))
        #expect(consumer.withLock { $0 } != Thread.current)
    }

    @Test("consuming elsewhere: consumed chunks are released; at most capacity wait")
    func boundedConsumingElsewhere() throws {
        let live = LiveCount()
        let capacity = 3
        let count = try ChunkPipeline.runConsumingElsewhere(capacity: capacity, consume: { (next: () throws -> TrackedChunk?) -> Int in
            var count = 0
            while let chunk = try next() {
                Thread.sleep(forTimeInterval: 0.000_2)
                count += chunk.values.count
            }
            return count
        }, produce: { send in
            for index in 0..<200 {
                guard send(TrackedChunk([index], live)) else { return }
            }
        })
        #expect(count == 200)
        #expect(live.most <= capacity + 2, "at most \(capacity + 2) chunks alive at once, saw \(live.most)")
        #expect(live.alive == 0)
    }

    @Test("consuming elsewhere: the consumer's error stops the producer and is thrown")
    func consumerFailureConsumingElsewhere() throws {
        var sends = 0
        var refused = false
        let error = #expect(throws: Failure.self) {
            try ChunkPipeline.runConsumingElsewhere(capacity: 2, consume: { (next: () throws -> Int?) -> Int in
                while let value = try next() {
                    if value == 5 { throw Failure(name: "consumer at 5") }
                }
                return 0
            }, produce: { send in
                for index in 0..<10_000 {
                    sends += 1
                    if !send(index) {
                        refused = true
                        return
                    }
                }
            })
        }
        #expect(error == Failure(name: "consumer at 5"))
        #expect(refused)
        #expect(sends < 100)
    }

    @Test("consuming elsewhere: the producer's error comes after the chunks sent before it")
    func producerFailureConsumingElsewhere() throws {
        let received = Mutex<[Int]>([])
        let error = #expect(throws: Failure.self) {
            try ChunkPipeline.runConsumingElsewhere(capacity: 4, consume: { (next: () throws -> Int?) -> Int in
                while let value = try next() { received.withLock { $0.append(value) } }
                return 0
            }, produce: { send in
                for index in 0..<7 {
                    guard send(index) else { return }
                }
                throw Failure(name: "producer after 7")
            })
        }
        #expect(error == Failure(name: "producer after 7"))
        #expect(received.withLock { $0 } == Array(0..<7))
    }
}
