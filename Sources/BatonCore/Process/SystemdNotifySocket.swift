import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// systemd's notification socket (`sd_notify(3)`): the datagram socket a `Type=notify`
/// service tells `READY=1`, `STOPPING=1`, `STATUS=…` and `WATCHDOG=1`. Its path comes in
/// `NOTIFY_SOCKET`; a leading `@` names the abstract namespace.
public struct SystemdNotifySocket: Sendable {
    public let path: String

    /// The socket `environment` names, or `nil` when not run by systemd as a notify service.
    public init?(environment: [String: String]) {
        guard let path = environment["NOTIFY_SOCKET"], path.count > 1, path.hasPrefix("/") || path.hasPrefix("@") else { return nil }
        self.path = path
    }

    /// How often systemd wants `WATCHDOG=1` (half of `WATCHDOG_USEC`, as `sd_watchdog_enabled`
    /// advises), or `nil` when it watches this process for no such ping.
    public static func watchdogInterval(environment: [String: String], pid: Int32 = getpid()) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], Int32(owner) != pid { return nil }
        return .microseconds(microseconds / 2)
    }

    /// Sends one notification (`KEY=value` lines); whether the datagram was sent.
    @discardableResult
    public func send(_ message: String) -> Bool {
        let handle = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard handle >= 0 else { return false }
        defer { close(handle) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let payload = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                payload.withUnsafeBytes { sendto(handle, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), target, length) }
            }
        }
        return sent == payload.count
    }
}
