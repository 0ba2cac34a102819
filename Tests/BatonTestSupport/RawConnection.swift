import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A raw TCP connection to a loopback server, for tests of how it treats clients that
/// misbehave (send half a request, or nothing). Blocking calls run on a thread of their own,
/// never on the concurrency pool the servers under test need.
public final class RawConnection: @unchecked Sendable {
    private let descriptor: Int32

    /// Connects to `port` on 127.0.0.1, from the loopback address `source` when given
    /// (127.0.0.2 …: another peer, as far as the server can tell), with a receive buffer of
    /// `receiveBuffer` bytes when given (a client that reads slowly fills it soon).
    public init(port: Int, source: String? = nil, receiveBuffer: Int32? = nil) async throws {
        descriptor = try await Self.onThread { try Self.connect(port: port, source: source, receiveBuffer: receiveBuffer) }
    }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// `count` connections from `source`, each having sent `text`, opened on one thread —
    /// thousands in a fraction of a second, for floods.
    public static func open(_ count: Int, port: Int, source: String? = nil, sending text: String) async throws -> [RawConnection] {
        let bytes = Array(text.utf8)
        return try await onThread {
            var connections: [RawConnection] = []
            for _ in 0..<count {
                let connection = RawConnection(descriptor: try connect(port: port, source: source, receiveBuffer: nil))
                connections.append(connection)
                let sent = bytes.withUnsafeBytes { Glibc.send(connection.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard sent == bytes.count else { throw ProcessFailureLike("send: \(errno)") }
            }
            return connections
        }
    }

    /// A blocking connect to 127.0.0.1:`port`; the socket's descriptor.
    private static func connect(port: Int, source: String?, receiveBuffer: Int32?) throws -> Int32 {
        let handle = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard handle >= 0 else { throw ProcessFailureLike("socket: \(errno)") }
        if var size = receiveBuffer {
            setsockopt(handle, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(handle, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                close(handle)
                throw ProcessFailureLike("bind \(source): \(errno)")
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(handle, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(handle)
            throw ProcessFailureLike("connect: \(errno)")
        }
        return handle
    }

    deinit { close(descriptor) }

    /// Sends `text` as it is.
    public func send(_ text: String) async throws {
        let bytes = Array(text.utf8)
        try await Self.onThread { [descriptor] in
            let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent == bytes.count else { throw ProcessFailureLike("send: \(errno)") }
        }
    }

    /// Reads until the server closes the connection or `timeout` passes: what it sent,
    /// whether it closed, and when.
    public func readUntilClosed(timeout: Duration) async -> (text: String, closed: Bool, after: Duration) {
        let started = ContinuousClock.now
        let (bytes, closed) =
            (try? await Self.onThread { [descriptor] () -> ([UInt8], Bool) in
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                let deadline = ContinuousClock.now + timeout
                while ContinuousClock.now < deadline {
                    var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                    let left = deadline - ContinuousClock.now
                    let ready = poll(&poller, 1, Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
                    if ready <= 0 { continue }
                    let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                    if count <= 0 { return (received, true) }
                    received.append(contentsOf: buffer[..<count])
                }
                return (received, false)
            }) ?? ([], false)
        return (String(decoding: bytes, as: UTF8.self), closed, ContinuousClock.now - started)
    }

    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}

/// Why a raw connection could not be made.
struct ProcessFailureLike: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
