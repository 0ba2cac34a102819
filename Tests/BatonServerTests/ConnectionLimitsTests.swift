import BatonConfig
import BatonConnectors
import BatonDevKit
import BatonTestSupport
import Foundation
import Logging
import Testing

@testable import BatonServer

/// The slow-client findings of the hostile-load trial: connections that send half their
/// headers, announce a body that never comes, idle on keep-alive or send nothing were all
/// still open after 150 s. Now each is closed at its timeout, a peer holds at most its
/// share of connections, and a genuine chain from another peer goes through meanwhile.
@Suite("Connection hygiene: timeouts for every slow phase, caps overall and per peer")
struct ConnectionLimitsTests {
    @Test(
        "a peer holding its whole share of slow connections gets the next one closed at once, while another peer's genuine chain completes; once they close, the peer connects again"
    )
    func perPeerCap() async throws {
        // Timeouts far away: only the cap closes anything here.
        let limits = ConnectionSettings(maximum: 200, maximumPerPeer: 20, headTimeout: .seconds(120), idleTimeout: .seconds(120))
        try await Self.withDaemon(limits) { sn, base, port in
            var crowd: [RawConnection] = []
            for index in 0..<limits.maximumPerPeer {
                let connection = try await RawConnection(port: port, source: "127.0.0.2")
                if index % 2 == 1 { try await connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n") }
                crowd.append(connection)
            }
            // Every one of them accepted and counted (the server accepts on its own time).
            try await Self.waitForOpenConnections(atLeast: limits.maximumPerPeer + 1, at: base)
            let refused = try await RawConnection(port: port, source: "127.0.0.2")
            let extra = await refused.readUntilClosed(timeout: .seconds(60))
            #expect(extra.closed && extra.text.isEmpty, "the peer's next connection is closed at once, not at its head timeout: \(extra)")

            let token = try await sn.idp.signIn()
            let chain = try await AgentRoutesTests.invoke(base, token: token, input: "Show me 5 incidents assigned to me")
            #expect(chain.status == 200, "another peer's chain completes: \(chain.body)")
            #expect(try await httpGet("\(base)/metrics").body.contains("baton_http_connections_refused_total{limit=\"max_per_peer\"}"))

            // The crowd leaves; once the server has seen them go, the peer is welcome again.
            crowd.removeAll()
            var again = ""
            for _ in 0..<300 where !again.hasPrefix("HTTP/1.1 200") {
                again = try await Self.request(port: port, source: "127.0.0.2")
                if !again.hasPrefix("HTTP/1.1 200") { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(again.hasPrefix("HTTP/1.1 200"), "the crowd's slots are free again: \(again)")
        }
    }

    @Test("nothing sent, half a head, a body that never comes, an idle keep-alive: each connection closed at its timeout and counted in /metrics")
    func slowPhases() async throws {
        let limits = ConnectionSettings(headTimeout: .seconds(2), bodyTimeout: .seconds(2), idleTimeout: .seconds(2), writeTimeout: .seconds(2))
        try await Self.withDaemon(limits) { sn, base, port in
            let token = try await sn.idp.signIn()
            let silent = try await RawConnection(port: port)
            let halfHead = try await RawConnection(port: port)
            try await halfHead.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
            let body = try await RawConnection(port: port)
            try await body.send(
                "POST /v1/agents/concierge/invoke HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"in"
            )
            let idle = try await RawConnection(port: port)
            try await idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")

            for (name, connection) in [("silent", silent), ("half a head", halfHead), ("body", body)] {
                let outcome = await connection.readUntilClosed(timeout: .seconds(60))
                #expect(outcome.closed, "\(name): still open")
            }
            let answered = await idle.readUntilClosed(timeout: .seconds(60))
            #expect(answered.text.hasPrefix("HTTP/1.1 200") && answered.closed, "the idle keep-alive connection got its answer, then was closed")

            let metrics = try await Self.request(port: port, path: "/metrics")
            for phase in ["head", "body", "idle"] {
                #expect(metrics.contains("baton_http_connection_timeouts_total{phase=\"\(phase)\"}"), "phase \(phase) counted")
            }
        }
    }

    @Test("a client that sends requests but never reads the answers has its connection closed at the write timeout, counted in /metrics")
    func unreadAnswers() async throws {
        let limits = ConnectionSettings(writeTimeout: .seconds(2))
        try await Self.withDaemon(limits) { _, _, port in
            let reader = try await RawConnection(port: port, receiveBuffer: 4096)
            // Thousands of pipelined requests for /metrics: megabytes of answers nobody reads.
            try await reader.send(String(repeating: "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", count: 2_000))
            var counted = false
            for _ in 0..<600 where !counted {
                counted = try await Self.request(port: port, path: "/metrics").contains("baton_http_connection_timeouts_total{phase=\"write\"}")
                if !counted { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(counted, "the write timeout closed the connection")
            let rest = await reader.readUntilClosed(timeout: .seconds(60))
            #expect(rest.closed, "the server closed it")
        }
    }

    @Test("the dev listeners are guarded too: the ServiceNow emulator and the dev IdP close a connection that sends nothing")
    func devListeners() async throws {
        let limits = ConnectionSettings(headTimeout: .seconds(1))
        try await IdentityProviderFixture.withRunningProvider { provider, idp in
            var idpServer = DevIdentityProviderServer(provider: provider, logger: Logger(label: "test"))
            idpServer.connections = limits
            let emulator = try ServiceNowEmulator(
                path: nil, oidc: ServiceNowOIDCSettings(metadataURL: await provider.discoveryURL, clientID: idp.app("servicenow").appID),
                logger: Logger(label: "test"))
            var emulatorServer = ServiceNowEmulatorServer(emulator: emulator, logger: Logger(label: "test"))
            emulatorServer.connections = limits
            try await LocalServer.run(logger: Logger(label: "test"), { try idpServer.makeApplication(onRunning: $0) }) { idpURL in
                try await LocalServer.run(logger: Logger(label: "test"), { try emulatorServer.makeApplication(onRunning: $0) }) { snURL in
                    for url in [idpURL, snURL] {
                        let silent = try await RawConnection(port: try #require(URLComponents(string: url)?.port))
                        let outcome = await silent.readUntilClosed(timeout: .seconds(60))
                        #expect(outcome.closed, "\(url): closed at its head timeout, not left open")
                    }
                }
            }
        }
    }

    // MARK: - Fixture

    static func withDaemon(_ limits: ConnectionSettings, _ body: @Sendable (ServiceNowFixture, String, Int) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        try await ServiceNowFixture.withRunning { sn in
            let daemon = try AgentRoutesTests.daemon(sn, data: directory.file("data")) { $0.server.connections = limits }
            try await LocalServer.run(logger: Logger(label: "test"), { daemon.makeApplication(onServerRunning: $0) }) { base in
                _ = try await httpGet("\(base)/readyz", until: 200)
                try await body(sn, base, try #require(URLComponents(string: base)?.port))
            }
        }
    }

    /// One GET on a connection of its own (`Connection: close`): the raw answer.
    static func request(port: Int, source: String? = nil, path: String = "/healthz") async throws -> String {
        let connection = try await RawConnection(port: port, source: source)
        try await connection.send("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return await connection.readUntilClosed(timeout: .seconds(60)).text
    }

    /// Waits until `/metrics` counts at least `count` open connections (its own included).
    static func waitForOpenConnections(atLeast count: Int, at base: String) async throws {
        let port = try #require(URLComponents(string: base)?.port)
        for _ in 0..<600 {
            let metrics = try await request(port: port, path: "/metrics")
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("baton_http_connections_open ") }
            if let value = line.flatMap({ Double($0.split(separator: " ").last ?? "") }), Int(value) >= count { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("fewer than \(count) connections were ever open")
    }
}
