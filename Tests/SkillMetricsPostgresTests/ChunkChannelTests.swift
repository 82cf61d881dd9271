import Foundation
import Synchronization
import Testing
@testable import SkillMetricsPostgres

/// The hand-over between `pull`'s reading task and its write transaction: order kept, memory
/// bounded, a failure on either side reaching the other. No server needed.
@Suite struct ChunkChannelTests {
    struct ProducerFailed: Error {}

    @Test(arguments: [1, 3])
    func everyChunkArrivesInOrderAndTheProducerNeverRunsAheadOfTheCapacity(_ capacity: Int) async throws {
        let channel = ChunkChannel<Int>(capacity: capacity)
        let sent = Atomic<Int>(0)
        let taken = Atomic<Int>(0)
        let furthestAhead = Atomic<Int>(0)
        async let received = channel.consume { () throws -> [Int] in
            var values: [Int] = []
            while let chunk = try channel.next() {
                Thread.sleep(forTimeInterval: 0.001)  // a slow writer
                values += chunk
                _ = taken.add(1, ordering: .sequentiallyConsistent)
            }
            return values
        }
        for start in stride(from: 0, to: 200, by: 10) {
            try await channel.send(Array(start..<(start + 10)))
            let ahead = sent.add(1, ordering: .sequentiallyConsistent).newValue - taken.load(ordering: .sequentiallyConsistent)
            _ = furthestAhead.max(ahead, ordering: .sequentiallyConsistent)
        }
        channel.finish()
        #expect(try await received == Array(0..<200))
        // Sent but not yet taken: the waiting chunks plus the one being written.
        #expect(furthestAhead.load(ordering: .sequentiallyConsistent) <= capacity + 1)
    }

    @Test func theProducersErrorReachesTheConsumerAfterTheChunksSentBeforeIt() async throws {
        let channel = ChunkChannel<Int>(capacity: 4)
        async let outcome = channel.consume { () -> (values: [Int], failed: Bool) in
            var values: [Int] = []
            do {
                while let chunk = try channel.next() { values += chunk }
            } catch is ProducerFailed {
                return (values, true)
            }
            return (values, false)
        }
        try await channel.send([1, 2])
        channel.finish(throwing: ProducerFailed())
        channel.finish()  // a second finish changes nothing
        let (values, failed) = try await outcome
        #expect(values == [1, 2])
        #expect(failed)
    }

    @Test func aConsumerThatGivesUpStopsAWaitingProducer() async throws {
        let channel = ChunkChannel<Int>(capacity: 1)
        async let consumed = channel.consume { () throws -> Int in
            let first = try channel.next()
            channel.cancel()
            return first?.count ?? -1
        }
        var cancelled = false
        do {
            // The first chunk is taken; the producer then fills the channel and waits.
            for chunk in 0..<100 { try await channel.send([chunk, chunk]) }
        } catch is ChunkChannel<Int>.Cancelled {
            cancelled = true
        }
        #expect(cancelled)
        #expect(try await consumed == 2)
    }
}
