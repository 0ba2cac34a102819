/// The address the daemon listens on, written `host:port` or `[ipv6]:port`.
///
/// Port 0 asks the system for a free port, which tests and `baton demo` use.
public struct ListenAddress: Sendable, Equatable, ConfigValue, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public static var expectation: String { "host:port, such as 127.0.0.1:8080 or [::1]:8080" }

    public init?(configText: String) {
        let host: Substring
        let portText: Substring
        if configText.hasPrefix("[") {
            guard let close = configText.firstIndex(of: "]") else { return nil }
            host = configText[configText.index(after: configText.startIndex)..<close]
            let rest = configText[configText.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = configText.lastIndex(of: ":") else { return nil }
            host = configText[..<colon]
            portText = configText[configText.index(after: colon)...]
            guard !host.contains(":") else { return nil }
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { return nil }
        self.init(host: String(host), port: port)
    }

    public var configText: String { description }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension ListenAddress {
    /// Whether only this machine can connect: `127.0.0.0/8`, `::1` or `localhost`.
    public var isLoopback: Bool {
        let host = host.lowercased()
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
