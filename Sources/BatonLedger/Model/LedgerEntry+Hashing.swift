import Crypto
import Foundation

extension LedgerEntry {
    /// The hash that seals this entry: SHA-256 of the previous entry's hash and this
    /// entry's canonical encoding.
    public func hash(previous: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: canonicalBytes())
        return Array(hasher.finalize())
    }

    /// A deterministic encoding: every field in a fixed order, each absent field marked,
    /// each string length-prefixed — so no two different entries encode alike.
    public func canonicalBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        func integer(_ value: Int64?) {
            guard let value else { return bytes.append(0) }
            bytes.append(1)
            withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
        }
        func text(_ value: String?) {
            guard let value else { return bytes.append(0) }
            bytes.append(1)
            let utf8 = Array(value.utf8)
            withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: utf8)
        }
        bytes.append(1)  // encoding version
        integer(sequence)
        integer(timestamp)
        text(chainID)
        integer(Int64(hop))
        integer(parentHop.map(Int64.init))
        text(kind.rawValue)
        text(user?.tenantID)
        text(user?.objectID)
        text(user?.username)
        text(agent)
        integer(Int64(actorPath.count))
        for actor in actorPath { text(actor) }
        text(target)
        text(resource)
        text(operation)
        integer(status.map(Int64.init))
        text(decision?.rawValue)
        text(reason)
        text(tokenFingerprint)
        text(tokenSource)
        integer(latencyMicroseconds)
        text(traceID)
        return bytes
    }
}
