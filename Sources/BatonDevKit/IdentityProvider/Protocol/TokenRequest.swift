import BatonCore
import Foundation

/// The parameters of one token-endpoint request, from its form body and `Authorization` header.
public struct TokenRequest: Sendable {
    private let parameters: [String: String]
    /// Client id and secret from HTTP Basic, if sent.
    let basicCredentials: (clientID: String, secret: String)?

    public init(formBody: String, authorization: String?) {
        self.parameters = URLText.formDecoded(formBody)
        self.basicCredentials = authorization.flatMap(Self.basic)
    }

    subscript(_ name: String) -> String? {
        parameters[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The parameter, or Entra's AADSTS900144 when it is missing.
    func required(_ name: String) throws(EntraError) -> String {
        guard let value = self[name] else { throw .missingParameter(name) }
        return value
    }

    /// The requesting client: `client_id` from the body or the HTTP Basic user.
    var clientID: String? {
        self["client_id"] ?? basicCredentials?.clientID
    }

    /// RFC 6749 §2.3.1: each of id and secret is form-urlencoded before base64.
    private static func basic(_ header: String) -> (String, String)? {
        guard header.lowercased().hasPrefix("basic "),
            let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let decoded = String(data: data, encoding: .utf8), let colon = decoded.firstIndex(of: ":"),
            let id = URLText.formDecodedComponent(decoded[..<colon]),
            let secret = URLText.formDecodedComponent(decoded[decoded.index(after: colon)...])
        else { return nil }
        return (id, secret)
    }
}
