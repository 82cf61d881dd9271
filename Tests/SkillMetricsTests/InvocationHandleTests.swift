import Foundation
import Testing
@testable import SkillMetrics

@Suite("Invocation tracking")
struct InvocationHandleTests {
    @Test("a completer appends exactly one event; a second call is rejected")
    func completeOnce() throws {
        let db = try TestDatabase()
        let handle = db.store.trackInvocation(skill: "run", workflowPath: "fast", sessionID: "s1")
        let event = try handle.complete(completed: true, followUpActions: ["git push"])
        #expect(event.durationSeconds.map { $0 >= 0 } == true)
        #expect(throws: SkillMetricsError.alreadyCompleted(id: handle.id)) {
            try handle.complete(completed: false)
        }
        let row = try #require(try SkillMetricsQueries(store: db.store).metrics(for: "run"))
        #expect(row.totalInvocations == 1 && row.completedInvocations == 1)
        #expect(row.workflowPaths["fast"] == 1 && row.followUpActions["git push"] == 1)
        #expect(try SkillMetricsQueries(store: db.store).sessionSkills(session: "s1").first?.invocationCount == 1)
    }

    @Test("many threads completing many handles and one shared handle count exactly")
    func concurrentCompletion() throws {
        let db = try TestDatabase()
        let shared = db.store.trackInvocation(skill: "shared")
        let store = db.store
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            _ = try? shared.complete()
            for _ in 0..<25 {
                _ = try? store.trackInvocation(skill: "w\(worker % 2)").complete()
            }
        }
        #expect(try SkillMetricsQueries(store: store).metrics(for: "shared")?.totalInvocations == 1)
        #expect(try SkillMetricsQueries(store: store).metrics(for: "w0")?.totalInvocations == 100)
        #expect(try SkillMetricsQueries(store: store).metrics(for: "w1")?.totalInvocations == 100)
        #expect(try SkillMetricsQueries(store: store).eventCount() == 201)
        #expect(try store.verify().isConsistent)
    }
}
