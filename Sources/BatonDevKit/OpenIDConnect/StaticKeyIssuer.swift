import BatonCore
import BatonIdentity
import Foundation
import Hummingbird
import Logging

/// A minimal OpenID Connect issuer: a discovery document and a JWKS for one fixed key,
/// and a way to sign tokens with it. Stands in for "any OIDC provider" (Okta, Keycloak…)
/// in tests and benchmarks, including with ES256 keys Entra never uses.
public struct StaticKeyIssuer: Sendable {
    public let key: JWSSigningKey
    public let algorithm: JWSAlgorithm
    public let keyID: String

    public init(key: JWSSigningKey, algorithm: JWSAlgorithm, keyID: String = "static-1") {
        self.key = key
        self.algorithm = algorithm
        self.keyID = keyID
    }

    /// The issuer identifier for a server at `baseURL`.
    public static func issuer(at baseURL: String) -> String { baseURL }

    /// A token over `claims`, signed with the key.
    public func sign(_ claims: JSONObject) throws -> String {
        try CompactJWS.sign(header: ["typ": "JWT", "kid": .string(keyID)], claims: claims, key: key, algorithm: algorithm)
    }

    /// Serves `/.well-known/openid-configuration` and `/keys`; `onRunning` receives the base URL (= the issuer).
    public func makeApplication(logger: Logger, onRunning: @escaping @Sendable (String) async -> Void) throws -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        let jwks = try JSONEncoder().encode(JSONWebKeySet(keys: [JSONWebKey(key.verificationKey, kid: keyID)]))
        let base = BaseURL()
        router.get(".well-known/openid-configuration") { _, _ in
            let url = await base.value
            return IdentityProviderRoutes.json(.ok, ["issuer": .string(url), "jwks_uri": .string("\(url)/keys")])
        }
        router.get("keys") { _, _ in
            IdentityProviderRoutes.response(.ok, jwks, cacheControl: "max-age=3600")
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "baton-static-issuer"),
            onServerRunning: { channel in
                let url = DevIdentityProviderServer.url(of: channel.localAddress, scheme: "http")
                await base.set(url)
                await onRunning(url)
            },
            logger: logger
        )
    }
}

/// The bound URL, known once the server listens.
private actor BaseURL {
    private(set) var value = ""

    func set(_ url: String) {
        value = url
    }
}
