import BatonA2A
import BatonCore
import BatonIdentity
import BatonLedger
import Crypto
import Foundation

/// Makes the delegation-chain assertions of ``DelegationChainExtension``: the chain as this
/// daemon saw it, signed with its ledger key, bound to the one token it accompanies.
public struct ChainAssertion: Sendable {
    let signer: CheckpointSigner
    /// Who asserts: this daemon's public URL, or its key id when it has none.
    let issuer: String

    public init(signer: CheckpointSigner, issuer: String?) {
        self.signer = signer
        self.issuer = issuer ?? "baton:\(signer.keyID)"
    }

    /// A compact JWS (EdDSA) of the chain at `position` for `audience`, for `token`.
    func sign(_ position: ChainPosition, audience: String, token: Secret, now: Date = Date()) throws -> String {
        let issued = Int64(now.timeIntervalSince1970)
        let header: JSONValue = ["alg": "EdDSA", "typ": .string(DelegationChainExtension.type), "kid": .string(signer.keyID)]
        let claims: JSONValue = [
            "iss": .string(issuer), "aud": .string(audience), "chain_id": .string(position.chainID), "hop": .integer(Int64(position.hop)),
            "parent_hop": position.parentHop.map { .integer(Int64($0)) } ?? .null, "actor_path": .array(position.actorPath.map(JSONValue.string)),
            "trace_id": .string(position.traceID), "ath": .string(Base64URL.encode(Array(SHA256.hash(data: Data(token.revealed.utf8))))),
            "iat": .integer(issued), "exp": .integer(issued + DelegationChainExtension.lifetimeSeconds),
            "jti": .string(UUIDv7.make()),
        ]
        let input = Base64URL.encode(header.serialized) + "." + Base64URL.encode(claims.serialized)
        return input + "." + Base64URL.encode(try signer.signature(for: Data(input.utf8)))
    }

    /// The ledger key's public half as a JWK Set, for receivers to verify assertions with.
    public static func keySet(of signer: CheckpointSigner) -> JSONValue {
        [
            "keys": [
                [
                    "kty": "OKP", "crv": "Ed25519", "x": .string(Base64URL.encode(signer.publicKey.rawRepresentation)), "kid": .string(signer.keyID),
                    "alg": "EdDSA", "use": "sig",
                ]
            ]
        ]
    }
}
