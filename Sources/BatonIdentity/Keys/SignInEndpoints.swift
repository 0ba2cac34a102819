import BatonCore
import Foundation

/// Where people sign in at an issuer: its authorization and token endpoints, read from
/// the issuer's OpenID Connect discovery document (`authorization_endpoint`,
/// `token_endpoint`), so Entra and any other OpenID provider work alike.
public struct SignInEndpoints: Sendable, Equatable {
    public var authorization: String
    public var token: String

    public init(authorization: String, token: String) {
        self.authorization = authorization
        self.token = token
    }

    /// Reads both endpoints from the discovery document at `discoveryURL`.
    ///
    /// - Throws: ``SignInEndpoints/Unavailable`` in one sentence naming the document and what
    ///   was wrong with it.
    public static func discover(_ discoveryURL: String, fetcher: HTTPDocumentFetcher = .init()) async throws(Unavailable) -> SignInEndpoints {
        let document: Data
        do {
            document = try await fetcher.fetch(discoveryURL).data
        } catch {
            throw Unavailable(description: "the issuer's discovery document could not be read: \(error)")
        }
        guard let object = try? JSONDecoder().decode(JSONObject.self, from: document),
            let authorization = object["authorization_endpoint"]?.stringValue, let token = object["token_endpoint"]?.stringValue
        else {
            throw Unavailable(description: "the discovery document \(discoveryURL) names no authorization_endpoint and token_endpoint")
        }
        return SignInEndpoints(authorization: authorization, token: token)
    }

    /// The issuer's sign-in endpoints could not be found.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }
}
