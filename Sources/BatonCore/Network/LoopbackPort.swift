import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Loopback TCP ports for services whose address must be known before they start (an
/// agent's card URL in a mesh, a daemon's key URL handed to an agent).
public enum LoopbackPort {
    /// A port free on 127.0.0.1 at the moment it is picked.
    public static func free() throws -> Int {
        let handle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(handle) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(handle, $0, length) == 0 && getsockname(handle, $0, &length) == 0 }
        }
        guard bound else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "no free loopback port"]) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
