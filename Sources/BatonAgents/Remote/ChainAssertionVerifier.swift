import AsyncHTTPClient
import BatonA2A
import BatonCore
import BatonIdentity
import BatonLedger
import Crypto
import Foundation
internal import NIOCore

/// Checks a delegation-chain assertion (``DelegationChainExtension``) an A2A caller sent:
/// signed by this daemon's ledger key or by a trusted daemon's (`identity.trusted_chain_keys`),
/// not expired, for this agent, and made for the very token that came with it. What it
/// yields is where the hop sits in the caller's chain; the user still comes from the token.
public actor ChainAssertionVerifier {
    /// Why an assertion was not accepted; the message names the check, never the token.
    public struct Rejection: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    private let own: CheckpointSigner
    private let trusted: [String]
    private let client: HTTPClient
    private let skew: Int64 = 60
    private var keys: [String: Curve25519.Signing.PublicKey] = [:]
    private var lastFetch: ContinuousClock.Instant?

    public init(own: CheckpointSigner, trusted: [String], client: HTTPClient = .shared) {
        self.own = own
        self.trusted = trusted
        self.client = client
    }

    /// The caller's chain position for the hop at this agent.
    public func verify(_ jws: String, token: Secret, audiences: Set<String>, now: Date = Date()) async throws(Rejection) -> ChainPosition {
        let parts = jws.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Self.object(parts[0]), let claims = Self.object(parts[1]),
            let signature = Base64URL.decode(parts[2])
        else { throw Rejection(description: "the assertion is not a compact JWS") }
        guard header["alg"] == "EdDSA", header["typ"]?.stringValue == DelegationChainExtension.type, let kid = header["kid"]?.stringValue
        else { throw Rejection(description: "the assertion's header is not an EdDSA \(DelegationChainExtension.type) with a key id") }
        let key = try await key(kid)
        guard key.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8)) else {
            throw Rejection(description: "the assertion's signature does not verify")
        }
        let time = Int64(now.timeIntervalSince1970)
        guard let expires = claims["exp"]?.integerValue, expires + skew > time, (claims["iat"]?.integerValue ?? .max) <= time + skew else {
            throw Rejection(description: "the assertion has expired or is not valid yet")
        }
        guard let audience = claims["aud"]?.stringValue, audiences.contains(audience) else {
            throw Rejection(description: "the assertion is for another agent")
        }
        let hash = Base64URL.encode(Array(SHA256.hash(data: Data(token.revealed.utf8))))
        guard claims["ath"]?.stringValue == hash else { throw Rejection(description: "the assertion was made for another token") }
        return try Self.position(claims)
    }

    // MARK: - Keys

    /// The key `kid` names: this daemon's, or one a trusted daemon publishes (fetched when
    /// a key id is new, at most every 30 s).
    private func key(_ kid: String) async throws(Rejection) -> Curve25519.Signing.PublicKey {
        if kid == own.keyID { return own.publicKey }
        if let key = keys[kid] { return key }
        if lastFetch.map({ ContinuousClock.now - $0 > .seconds(30) }) ?? true {
            lastFetch = ContinuousClock.now
            for url in trusted { await fetch(url) }
        }
        guard let key = keys[kid] else { throw Rejection(description: "the assertion is signed with a key this daemon does not trust") }
        return key
    }

    private func fetch(_ url: String) async {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        guard let response = try? await client.execute(request, timeout: .seconds(10)), response.status == .ok,
            let body = try? await response.body.collect(upTo: 64 << 10), let set = try? JSONValue(parsing: body.readableBytesView)
        else { return }
        for key in set.objectValue?["keys"]?.arrayValue ?? [] {
            guard let object = key.objectValue, object["kty"] == "OKP", object["crv"] == "Ed25519", let kid = object["kid"]?.stringValue,
                let x = object["x"]?.stringValue.flatMap(Base64URL.decode), let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: x)
            else { continue }
            keys[kid] = publicKey
        }
    }

    // MARK: - Claims

    private static func object(_ part: Substring) -> [String: JSONValue]? {
        Base64URL.decode(part).flatMap { try? JSONValue(parsing: $0) }?.objectValue
    }

    private static func position(_ claims: [String: JSONValue]) throws(Rejection) -> ChainPosition {
        guard let chainID = claims["chain_id"]?.stringValue, ChainID.isValid(chainID),
            let hop = claims["hop"]?.integerValue, (1...100).contains(hop),
            let path = claims["actor_path"]?.arrayValue?.compactMap(\.stringValue), !path.isEmpty, path.count <= 100,
            path.allSatisfy(AgentID.isValid),
            let trace = claims["trace_id"]?.stringValue, TraceContext.isValidTraceID(trace)
        else { throw Rejection(description: "the assertion's chain (chain_id, hop, actor_path, trace_id) is not well formed") }
        return ChainPosition(
            chainID: chainID, hop: Int(hop), parentHop: claims["parent_hop"]?.integerValue.map(Int.init), actorPath: path, traceID: trace)
    }
}
