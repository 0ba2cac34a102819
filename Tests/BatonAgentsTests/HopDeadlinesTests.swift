import BatonCore
import BatonTestSupport
import Foundation
import Synchronization
import Testing

@testable import BatonAgents

@Suite("Hop time limits: one watcher for every hop's deadline")
struct HopDeadlinesTests {
    @Test("an expired deadline fires once; a forgotten one never does")
    func firesAndForgets() async throws {
        let deadlines = HopDeadlines()
        let fired = Atomic<Int>(0)
        // The forgotten deadline lies a second out, so that a busy machine cannot let it pass
        // before `forget` runs; the test then waits past it.
        let forgottenAt = ContinuousClock.now + .seconds(1)
        let kept = await deadlines.watch(until: .now + .milliseconds(50)) { fired.add(1, ordering: .relaxed) }
        let forgotten = await deadlines.watch(until: forgottenAt) { fired.add(100, ordering: .relaxed) }
        await deadlines.forget(forgotten)
        try await Self.waitUntil { fired.load(ordering: .relaxed) != 0 }
        try await Task.sleep(until: forgottenAt + HopDeadlines.resolution * 3)
        #expect(fired.load(ordering: .relaxed) == 1)
        await deadlines.forget(kept)
        #expect(await deadlines.count == 0)
    }

    @Test("a later deadline registered first does not delay an earlier one")
    func earlierDeadlineWins() async throws {
        let deadlines = HopDeadlines()
        let fired = Atomic<Int>(0)
        _ = await deadlines.watch(until: .now + .seconds(600)) { fired.add(100, ordering: .relaxed) }
        _ = await deadlines.watch(until: .now + .milliseconds(50)) { fired.add(1, ordering: .relaxed) }
        try await Self.waitUntil { fired.load(ordering: .relaxed) != 0 }
        #expect(fired.load(ordering: .relaxed) == 1)
    }

    /// Polls `condition` for up to 60 s (a busy CI machine — the flood and the soak run
    /// beside this suite — may wake the watcher late).
    static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test("a hop over its limit stops with hop_timeout, recorded, and leaves nothing watched")
    func hopTimeout() async throws {
        try await RemoteAgentStub.withRunning(answeringAfter: .seconds(5)) { stub, url in
            let (directory, path) = try RemoteAgentStub.mesh(remoteTriageAt: url, conciergeLimits: "\nlimits:\n  timeout: 300ms\n")
            _ = directory
            try await AgentMeshFixture.withRunning(agents: path) { mesh in
                let token = try await mesh.signIn()
                do {
                    _ = try await mesh.runtime.invoke(agent: "concierge", input: "hello", token: token)
                    Issue.record("the hop ran past its limit")
                } catch let error as AgentError {
                    #expect(error.code == "hop_timeout")
                }
                // Causal, not timed: the chain ended while the remote was still working on it.
                #expect(await stub.answers == 0, "the hop was stopped at its limit, not when the remote answered")
                #expect(await mesh.runtime.services.deadlines.count == 0)
            }
        }
    }
}
