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
        var encoder = CanonicalEncoder()
        encoder.integer(sequence)
        encoder.integer(timestamp)
        encoder.text(chainID)
        encoder.integer(Int64(hop))
        encoder.integer(parentHop.map(Int64.init))
        encoder.text(kind.rawValue)
        encoder.text(user?.tenantID)
        encoder.text(user?.objectID)
        encoder.text(user?.username)
        encoder.text(agent)
        encoder.integer(Int64(actorPath.count))
        for actor in actorPath { encoder.text(actor) }
        encoder.text(target)
        encoder.text(resource)
        encoder.text(operation)
        encoder.integer(status.map(Int64.init))
        encoder.text(decision?.rawValue)
        encoder.text(reason)
        encoder.text(tokenFingerprint)
        encoder.text(tokenSource)
        encoder.integer(latencyMicroseconds)
        encoder.text(traceID)
        return encoder.bytes
    }
}
