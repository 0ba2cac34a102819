import BatonAgents
import BatonCore
import BatonDevKit
import BatonLedger
import BatonTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization
import Testing

@Suite("The durability rule: entries are durable before every outside effect, and a barrier that fails stops the effect")
struct HopAuditorTests {
    @Test("a warm chain with one downstream call costs two barriers, before the request and before the answer, across three agents")
    func twoBarriersPerWarmChain() async throws {
        try await AgentMeshFixture.withRunning { mesh in
            let token = try await mesh.signIn()
            _ = try await mesh.runtime.invoke(agent: "concierge", input: "Show me 5 incidents assigned to me", token: token)
            let before = mesh.runtime.barrierCount
            let warm = try await mesh.runtime.invoke(agent: "concierge", input: "Show me 5 incidents assigned to me", token: token)
            #expect(mesh.runtime.barrierCount - before == 2)
            let entries = try await mesh.entries(chain: warm.chainID)
            #expect(entries.map(\.kind) == [.inbound, .exchange, .delegate, .exchange, .delegate, .toolCall, .exchange, .downstream])
            #expect(entries.filter { $0.kind == .exchange }.allSatisfy { $0.tokenSource == "hot" })
        }
    }

    @Test("with the ledger unwritable, a warm chain sends nothing to ServiceNow and the caller gets audit_failed")
    func noDownstreamWithoutLedger() async throws {
        let recorder = SwitchableRecorder()
        try await AgentMeshFixture.withRunning(audit: { recorder.wrapping($0) }) { mesh in
            let token = try await mesh.signIn()
            _ = try await mesh.runtime.invoke(agent: "concierge", input: "Show me 5 incidents assigned to me", token: token)
            let requests = await mesh.sn.emulator.statistics().requests
            let exchanges = await mesh.sn.provider.tokenRequestCount
            recorder.refuse()
            do {
                _ = try await mesh.runtime.invoke(agent: "concierge", input: "Show me 5 incidents assigned to me", token: token)
                Issue.record("the chain ran without a ledger")
            } catch let error as AgentError {
                #expect(error.code == "audit_failed")
            }
            #expect(await mesh.sn.emulator.statistics().requests == requests, "ServiceNow was not called")
            #expect(await mesh.sn.provider.tokenRequestCount == exchanges, "the identity provider was not called")
        }
    }

    @Test("with the ledger unwritable, no hop to a remote agent is made")
    func noRemoteHopWithoutLedger() async throws {
        let recorder = SwitchableRecorder()
        try await RemoteAgentStub.withRunning { remote, url in
            let (directory, path) = try RemoteAgentStub.mesh(remoteTriageAt: url)
            _ = directory
            try await AgentMeshFixture.withRunning(agents: path, audit: { recorder.wrapping($0) }) { mesh in
                let token = try await mesh.signIn()
                let answer = try await mesh.runtime.invoke(agent: "concierge", input: "hello", token: token)
                #expect(answer.text == "remote says hi")
                #expect(await remote.requests == 1)
                recorder.refuse()
                await #expect(throws: AgentError.self) {
                    _ = try await mesh.runtime.invoke(agent: "concierge", input: "hello", token: token)
                }
                #expect(await remote.requests == 1, "the remote daemon was not called")
            }
        }
    }
}

/// A ledger that records until told to refuse.
final class SwitchableRecorder: Sendable {
    struct Refused: Error {}
    private let refusing = Atomic<Bool>(false)

    func refuse() {
        refusing.store(true, ordering: .relaxed)
    }

    func wrapping(_ writer: LedgerWriter) -> any AuditRecorder {
        Wrapped(writer: writer, owner: self)
    }

    private struct Wrapped: AuditRecorder {
        let writer: LedgerWriter
        let owner: SwitchableRecorder

        func append(_ entry: LedgerEntry) async throws -> Int64 {
            try await append(contentsOf: [entry])[0]
        }

        func append(contentsOf entries: [LedgerEntry]) async throws -> [Int64] {
            if owner.refusing.load(ordering: .relaxed) { throw Refused() }
            return try await writer.append(contentsOf: entries)
        }
    }
}

/// Another daemon's `/v1/agents/{id}/invoke` on loopback that answers "remote says hi" and counts requests.
actor RemoteAgentStub {
    private(set) var requests = 0
    /// Answers sent so far (each after the stub's delay).
    private(set) var answers = 0

    func count() {
        requests += 1
    }

    func answered() {
        answers += 1
    }

    /// Definitions where the concierge delegates to a triage agent that runs at `url`.
    static func mesh(remoteTriageAt url: String, conciergeLimits: String = "") throws -> (TemporaryDirectory, String) {
        let tenant = try IdentityProviderFixture.shippedTenant()
        return try AgentMeshFixture.definitions([
            "concierge": DelegationDenialTests.agent(
                "concierge", app: tenant.application("concierge")!.appID, delegates: ["triage"], rule: "delegate: triage") + conciergeLimits,
            "triage": """
            id: triage
            identity:
              client_id: \(tenant.application("triage")!.appID)
              resource: api://triage
            remote: \(url)
            """,
        ])
    }

    static func withRunning<T: Sendable>(
        answeringAfter delay: Duration = .zero, _ body: @Sendable (RemoteAgentStub, String) async throws -> T
    ) async throws -> T {
        let stub = RemoteAgentStub()
        let router = Router(context: BasicRequestContext.self)
        router.post("v1/agents/:id/invoke") { _, _ in
            await stub.count()
            try? await Task.sleep(for: delay)
            await stub.answered()
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: #"{"answer":"remote says hi","hops":[]}"#)))
        }
        let (urls, continuation) = AsyncStream.makeStream(of: String.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield("http://127.0.0.1:\(channel.localAddress!.port!)") }, logger: Logger(label: "remote"))
        return try await LocalServer.run(
            logger: Logger(label: "remote"),
            { report in
                Task { for await url in urls { await report(url) } }
                return app
            }
        ) { url in try await body(stub, url) }
    }
}
