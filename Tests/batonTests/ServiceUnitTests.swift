import BatonTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `contrib/baton.service` and the notify protocol it relies on.
@Suite("Running under systemd")
struct ServiceUnitTests {
    @Test("systemd-analyze verify accepts contrib/baton.service (with ExecStart pointing at this build)")
    func unitVerifies() async throws {
        let unit = try String(contentsOfFile: RepositoryPaths.path("contrib/baton.service"), encoding: .utf8)
        for directive in [
            "Type=notify", "WatchdogSec=", "User=baton", "StateDirectory=baton", "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes",
            "CapabilityBoundingSet=\n",
        ] {
            #expect(unit.contains(directive), "the unit sets \(directive)")
        }
        let directory = try TemporaryDirectory()
        let copy = try directory.write(
            "baton.service", unit.replacingOccurrences(of: "/usr/local/bin/baton", with: BatonProcess.executable.path))
        let (status, output) = try await ChildProcess.run("/usr/bin/systemd-analyze", ["verify", copy], environment: [:])
        #expect(status == 0 && output.isEmpty, "\(output)")
    }

    @Test("baton serve sends READY=1 once it listens, WATCHDOG=1 while it runs and STOPPING=1 on SIGTERM to NOTIFY_SOCKET")
    func notifiesSystemd() async throws {
        let directory = try TemporaryDirectory()
        let socket = try NotifyListener(path: "/tmp/baton-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock")
        defer { socket.close() }
        let baton = BatonProcess(
            ["serve"],
            environment: ["BATON_SERVER_LISTEN": "127.0.0.1:0", "NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000"],
            directory: directory.path)
        try baton.start()
        let ready = try #require(try socket.receive(timeout: 30), "READY=1 within 30 s: \(baton.standardError)")
        #expect(ready.hasPrefix("READY=1\nSTATUS=serving on http://127.0.0.1:"), "\(ready)")
        let url = try #require(ready.firstMatch(of: /serving on (http:\/\/[0-9.:]+)/)?.output.1)
        #expect(try await httpGet("\(url)/readyz").status == 200, "READY=1 came when the daemon was ready")
        #expect(try socket.receive(timeout: 5) == "WATCHDOG=1")
        #expect(try socket.receive(timeout: 5) == "WATCHDOG=1", "every WATCHDOG_USEC / 2")
        baton.signal(SIGTERM)
        var stopping: String?
        while let message = try socket.receive(timeout: 10) {
            if message.hasPrefix("STOPPING=1") {
                stopping = message
                break
            }
        }
        #expect(stopping != nil, "STOPPING=1 on SIGTERM")
        #expect(try await baton.stop().status == 0)
    }
}

/// A datagram socket standing in for systemd's notification socket.
final class NotifyListener: Sendable {
    let path: String
    let handle: Int32

    init(path: String) throws {
        self.path = path
        unlink(path)
        handle = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(handle, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard handle >= 0, bound == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    /// The next datagram, or `nil` after `timeout` seconds without one.
    func receive(timeout: Int) throws -> String? {
        var descriptor = pollfd(fd: handle, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(timeout * 1_000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4_096)
        let count = recv(handle, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
    }

    func close() {
        Glibc.close(handle)
        unlink(path)
    }
}
