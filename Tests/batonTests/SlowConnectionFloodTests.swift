import BatonTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The hostile-load trial held 500 slow connections open for minutes and the daemon's open
/// files rose from 59 to 444. Here a `baton serve` process on its default connection
/// settings (but a 30 s head timeout, so the crowd can be opened on a busy host before its
/// first members time out) is held by 2,000 slow connections from eight loopback addresses (250 each,
/// under the per-peer cap): a genuine chain from another address still completes within a
/// second, and once the head timeout has closed the crowd, the daemon's open files are back
/// to their idle count.
@Suite("A flood of slow connections", .serialized)
struct SlowConnectionFloodTests {
    static let crowd = 2_000
    static let sources = (2...9).map { "127.0.0.\($0)" }

    @Test("2,000 half-sent request heads held open: a genuine chain completes within 1 s; after the head timeout the open files return to idle")
    func twoThousandSlowConnections() async throws {
        try Self.raiseOpenFileLimit(to: 16_384)
        // Alone among the heavy tests: thousands of client sockets take ephemeral ports and CPU others need.
        try await InteropSlot.exclusive { try await Self.flood() }
    }

    static func flood() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let root = try TemporaryDirectory()
            defer { root.remove() }
            let config = try root.write(
                "baton.yaml",
                """
                server:
                  connections:
                    head_timeout: 30s   # the rest default; long enough to open the crowd on a busy 2-core host
                storage:
                  data_dir: \(root.file("data"))
                agents:
                  dir: \(RepositoryPaths.path("agents"))
                connectors:
                  dir: \(RepositoryPaths.path("connectors"))
                identity:
                  audiences: [\(sn.idp.app("concierge").appID)]
                  issuers:
                    - name: dev
                      type: entra
                      authority: \(sn.idp.base)
                      tenants: [\(sn.idp.tenant.id)]
                """)
            let daemon = BatonProcess(
                ["serve", "--config", config, "--log-format", "json"],
                environment: ["BATON_SERVER_LISTEN": "127.0.0.1:0", "BATON_SERVICENOW_URL": sn.url])
            try daemon.start()
            defer { daemon.signal(SIGKILL) }
            let line = try await daemon.waitForLine(containing: "\"msg\":\"listening\"")
            let url = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["url"] as? String)
            let port = try #require(URLComponents(string: url)?.port)
            let pid = try #require(daemon.pid)
            _ = try await httpGet(url + "/readyz", until: 200)
            let token = try await sn.idp.signIn()

            // Warm: keys fetched, outbound connections to the IdP and ServiceNow open.
            #expect(try await Self.chain(port: port, token: token).status == 200)
            let idle = try Self.openFiles(of: pid)

            let crowd = try await Self.openSlowConnections(port: port)
            let held = try await Self.connectionsOpen(port: port)
            let files = try Self.openFiles(of: pid)
            #expect(held > Self.crowd, "the daemon holds all \(Self.crowd) at once (and the request asking): \(held) open, \(files) files")

            let (status, elapsed) = try await Self.chain(port: port, token: token)
            #expect(status == 200, "the genuine chain completes")
            #expect(elapsed < .seconds(1), "the genuine chain took \(elapsed) with \(Self.crowd) slow connections open")

            // The head timeout closes the crowd; nothing of it stays open.
            let after = try await Self.waitForOpenFiles(of: pid, timeout: .seconds(90)) { $0 <= idle }
            #expect(after <= idle, "open files back to idle: \(after) (idle \(idle))")
            let sample = await crowd.prefix(20).asyncMap { await $0.readUntilClosed(timeout: .seconds(30)).closed }
            #expect(sample.allSatisfy { $0 }, "the slow clients' connections were closed by the daemon")
            let connection = try await RawConnection(port: port)
            try await connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let metrics = await connection.readUntilClosed(timeout: .seconds(30)).text
            let timeouts = metrics.split(separator: "\n").first { $0.hasPrefix("baton_http_connection_timeouts_total{phase=\"head\"}") }
            #expect(timeouts.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) >= Self.crowd } == true, "\(timeouts ?? "none")")
        }
    }

    // MARK: - Helpers

    /// 2,000 connections, 250 from each source address, each with half a request head sent.
    /// A source's batch goes once the daemon has accepted the previous one, so that the
    /// listen backlog never overflows (a connection left in it would be accepted late, and
    /// its elders would time out before the whole crowd is ever open at once).
    static func openSlowConnections(port: Int) async throws -> [RawConnection] {
        var crowd: [RawConnection] = []
        for source in sources {
            crowd += try await RawConnection.open(
                Self.crowd / sources.count, port: port, source: source, sending: "GET /healthz HTTP/1.1\r\nHost: x\r\n")
            for _ in 0..<100 where try await connectionsOpen(port: port) <= crowd.count {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        return crowd
    }

    /// The daemon's `baton_http_connections_open`, asked on a connection of its own (counted, then closed).
    static func connectionsOpen(port: Int) async throws -> Int {
        let connection = try await RawConnection(port: port)
        try await connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let metrics = await connection.readUntilClosed(timeout: .seconds(30)).text
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("baton_http_connections_open ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) } ?? 0
    }

    /// One chain as Jane, on a connection of its own: the status and how long the answer took.
    static func chain(port: Int, token: String) async throws -> (status: Int, elapsed: Duration) {
        let body = #"{"input":"Show me 5 incidents assigned to me"}"#
        let started = ContinuousClock.now
        let connection = try await RawConnection(port: port)
        try await connection.send(
            "POST /v1/agents/concierge/invoke HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let answer = await connection.readUntilClosed(timeout: .seconds(30))
        let elapsed = ContinuousClock.now - started
        let status = answer.text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, elapsed)
    }

    /// The number of file descriptors `pid` has open.
    static func openFiles(of pid: Int32) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
    }

    /// Polls `pid`'s open files until `condition` holds or `timeout` passes; the last count.
    static func waitForOpenFiles(of pid: Int32, timeout: Duration, until condition: (Int) -> Bool) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        var count = try openFiles(of: pid)
        while !condition(count), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            count = try openFiles(of: pid)
        }
        return count
    }

    /// Raises this process's soft open-file limit (the daemon inherits it) to `wanted`, or the hard limit.
    static func raiseOpenFileLimit(to wanted: Int) throws {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { throw CocoaError(.featureUnsupported) }
        guard limits.rlim_cur < rlim_t(wanted) else { return }
        limits.rlim_cur = min(limits.rlim_max, rlim_t(wanted))
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits)
    }
}

extension Sequence where Element: Sendable {
    /// `map` with an async transform, in order.
    fileprivate func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var results: [T] = []
        for element in self { results.append(await transform(element)) }
        return results
    }
}
