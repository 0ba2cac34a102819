import BatonCore
import Crypto

extension LedgerEntry {
    /// The canonical encoding that the ledger stores and hashes: every field in a fixed
    /// order, each absent field marked, each string length-prefixed — so no two different
    /// entries encode alike.
    public func record() -> [UInt8] {
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

    /// Reads an entry back from its record.
    ///
    /// - Throws: ``LedgerError/malformedRecord(_:)`` for bytes no writer produces.
    public init(record: UnsafeRawBufferPointer) throws(LedgerError) {
        var decoder = try CanonicalDecoder(record)
        let sequence = try decoder.requiredInteger("the sequence number")
        let timestamp = try decoder.requiredInteger("the timestamp")
        let chainID = try decoder.requiredText("the chain id")
        let hop = try decoder.requiredInteger("the hop")
        let parentHop = try decoder.integer()
        let kindName = try decoder.requiredText("the kind")
        guard let kind = LedgerEventKind(rawValue: kindName) else { throw .malformedRecord("unknown kind '\(kindName)'") }
        let tenant = try decoder.text()
        let object = try decoder.text()
        let username = try decoder.text()
        let agent = try decoder.text()
        let pathLength = try decoder.requiredInteger("the actor path's length")
        guard (0...1_000).contains(pathLength) else { throw .malformedRecord("an actor path of \(pathLength) agents") }
        var actorPath: [String] = []
        for _ in 0..<pathLength { actorPath.append(try decoder.requiredText("an actor")) }
        let target = try decoder.text()
        let resource = try decoder.text()
        let operation = try decoder.text()
        let status = try decoder.integer()
        let decision = try decoder.text()
        let reason = try decoder.text()
        let fingerprint = try decoder.text()
        let source = try decoder.text()
        let latency = try decoder.integer()
        let trace = try decoder.text()
        guard decoder.isAtEnd else { throw .malformedRecord("bytes follow the last field") }
        let user: ChainUser?
        switch (tenant, object) {
        case (let tenant?, let object?): user = ChainUser(tenantID: tenant, objectID: object, username: username)
        case (nil, nil) where username == nil: user = nil
        default: throw .malformedRecord("a partial user")
        }
        self.init(
            timestamp: timestamp, chainID: chainID, hop: Int(hop), parentHop: parentHop.map(Int.init), kind: kind, user: user, agent: agent,
            actorPath: actorPath, target: target, resource: resource, operation: operation, status: status.map(Int.init),
            decision: try decision.map { value throws(LedgerError) in
                guard let decision = LedgerDecision(rawValue: value) else { throw .malformedRecord("unknown decision '\(value)'") }
                return decision
            }, reason: reason, tokenFingerprint: fingerprint, tokenSource: source, latencyMicroseconds: latency, traceID: trace)
        self.sequence = sequence
    }

    /// The hash that seals a record: SHA-256 of the previous entry's hash and the record.
    static func hash(previous: [UInt8], record: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        previous.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: record)
        return Array(hasher.finalize())
    }
}
