import BatonCore

extension LedgerEntry {
    /// The canonical encoding that the ledger stores and hashes (``CompactRecord``, version
    /// 2): every field in a fixed order, absent ones marked, texts in their shortest form —
    /// so no two different entries encode alike, and each entry has one encoding.
    public func record() -> [UInt8] {
        var bytes: [UInt8] = [CompactRecord.version]
        bytes.reserveCapacity(200)
        ByteWriter.uvarint(UInt64(max(sequence, 0)), into: &bytes)
        var present: UInt64 = 0
        // Plain checks, not a list of optionals: this runs for every append.
        func mark(_ field: CompactRecord.Optional, _ isPresent: Bool) {
            if isPresent { present |= 1 << UInt64(field.rawValue) }
        }
        mark(.parentHop, parentHop != nil)
        mark(.tenant, user != nil)
        mark(.object, user != nil)
        mark(.username, user?.username != nil)
        mark(.agent, agent != nil)
        mark(.target, target != nil)
        mark(.resource, resource != nil)
        mark(.operation, operation != nil)
        mark(.status, status != nil)
        mark(.decision, decision != nil)
        mark(.reason, reason != nil)
        mark(.fingerprint, tokenFingerprint != nil)
        mark(.source, tokenSource != nil)
        mark(.latency, latencyMicroseconds != nil)
        mark(.trace, traceID != nil)
        ByteWriter.uvarint(present, into: &bytes)
        ByteWriter.svarint(timestamp, into: &bytes)
        ByteWriter.text(chainID, into: &bytes)
        ByteWriter.svarint(Int64(hop), into: &bytes)
        if let parentHop { ByteWriter.svarint(Int64(parentHop), into: &bytes) }
        bytes.append(CompactRecord.kindCodes[kind]!)
        func text(_ value: String?) {
            if let value { ByteWriter.text(value, into: &bytes) }
        }
        text(user?.tenantID)
        text(user?.objectID)
        text(user?.username)
        text(agent)
        ByteWriter.uvarint(UInt64(actorPath.count), into: &bytes)
        for actor in actorPath { ByteWriter.text(actor, into: &bytes) }
        text(target)
        text(resource)
        text(operation)
        if let status { ByteWriter.svarint(Int64(status), into: &bytes) }
        if let decision { bytes.append(CompactRecord.decisionCodes[decision]!) }
        text(reason)
        text(tokenFingerprint)
        text(tokenSource)
        if let latencyMicroseconds { ByteWriter.svarint(latencyMicroseconds, into: &bytes) }
        text(traceID)
        return bytes
    }

    /// The version-1 encoding (``CanonicalEncoder``), which entries written before version 2 keep.
    func versionOneRecord() -> [UInt8] {
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
        switch record.first {
        case CompactRecord.version: try self.init(versionTwo: record)
        default: try self.init(versionOne: record)
        }
    }

    /// Reads a version-2 record (``CompactRecord``).
    init(versionTwo record: UnsafeRawBufferPointer) throws(LedgerError) {
        var reader = ByteReader(record, offset: 1)
        let sequence = try reader.uvarint()
        guard sequence <= UInt64(Int64.max) else { throw .malformedRecord("the sequence number overflows") }
        let present = try reader.uvarint()
        guard present & ~CompactRecord.allPresent == 0 else { throw .malformedRecord("an unknown optional field is marked present") }
        func has(_ field: CompactRecord.Optional) -> Bool { present & (1 << UInt64(field.rawValue)) != 0 }
        func int(_ value: Int64, _ field: String) throws(LedgerError) -> Int {
            guard let value = Int(exactly: value) else { throw .malformedRecord("\(field) overflows") }
            return value
        }
        let timestamp = try reader.svarint()
        let chainID = try reader.text()
        let hop = try int(try reader.svarint(), "the hop")
        let parentHop = has(.parentHop) ? try int(try reader.svarint(), "the parent hop") : nil
        let code = try reader.byte()
        guard let kind = CompactRecord.kinds[code] else { throw .malformedRecord("unknown kind code \(code)") }
        let tenant = has(.tenant) ? try reader.text() : nil
        let object = has(.object) ? try reader.text() : nil
        let username = has(.username) ? try reader.text() : nil
        let agent = has(.agent) ? try reader.text() : nil
        let count = try reader.uvarint()
        guard count <= 1_000 else { throw .malformedRecord("an actor path of \(count) agents") }
        var actorPath: [String] = []
        for _ in 0..<count { actorPath.append(try reader.text()) }
        let target = has(.target) ? try reader.text() : nil
        let resource = has(.resource) ? try reader.text() : nil
        let operation = has(.operation) ? try reader.text() : nil
        let status = has(.status) ? try int(try reader.svarint(), "the status") : nil
        var decision: LedgerDecision?
        if has(.decision) {
            let code = try reader.byte()
            guard let known = CompactRecord.decisions[code] else { throw .malformedRecord("unknown decision code \(code)") }
            decision = known
        }
        let reason = has(.reason) ? try reader.text() : nil
        let fingerprint = has(.fingerprint) ? try reader.text() : nil
        let source = has(.source) ? try reader.text() : nil
        let latency = has(.latency) ? try reader.svarint() : nil
        let trace = has(.trace) ? try reader.text() : nil
        guard reader.isAtEnd else { throw .malformedRecord("bytes follow the last field") }
        self.init(
            timestamp: timestamp, chainID: chainID, hop: hop, parentHop: parentHop, kind: kind,
            user: try Self.user(tenant: tenant, object: object, username: username), agent: agent, actorPath: actorPath, target: target,
            resource: resource, operation: operation, status: status, decision: decision, reason: reason, tokenFingerprint: fingerprint,
            tokenSource: source, latencyMicroseconds: latency, traceID: trace)
        self.sequence = Int64(sequence)
    }

    /// The user of a record's three user fields: all of tenant and object, or none of the three.
    private static func user(tenant: String?, object: String?, username: String?) throws(LedgerError) -> ChainUser? {
        switch (tenant, object) {
        case (let tenant?, let object?): return ChainUser(tenantID: tenant, objectID: object, username: username)
        case (nil, nil) where username == nil: return nil
        default: throw .malformedRecord("a partial user")
        }
    }

    /// Reads a version-1 record (``CanonicalEncoder``).
    init(versionOne record: UnsafeRawBufferPointer) throws(LedgerError) {
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
        let user = try Self.user(tenant: tenant, object: object, username: username)
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
        [UInt8](unsafeUninitializedCapacity: MerkleHash.size) { buffer, count in
            previous.withUnsafeBytes { hash(previous: $0, record: record, into: buffer.baseAddress!) }
            count = MerkleHash.size
        }
    }

    /// The same hash, written to `output` (32 bytes): verification hashes every entry so.
    static func hash(previous: UnsafeRawBufferPointer, record: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer) {
        var hasher = SHA256Stream()
        hasher.update(previous)
        hasher.update(record)
        hasher.finalize(into: output)
    }
}
