import BatonCore

/// The parameters of one request to the authorization endpoint: the query of a GET, or the
/// form the sign-in page posts back (the same parameters plus `username` and `password`).
struct AuthorizationRequest: Sendable {
    /// The parameters the sign-in form carries from the GET to the POST, in the order it writes them.
    static let carriedParameters = [
        "client_id", "response_type", "redirect_uri", "response_mode", "scope", "state", "nonce", "code_challenge", "code_challenge_method",
        "login_hint", "prompt", "claims",
    ]

    private let parameters: [String: String]

    /// `encoded` is a query string or an `application/x-www-form-urlencoded` body.
    init(encoded: String) {
        self.parameters = URLText.formDecoded(encoded)
    }

    /// The parameter, or `nil` when it is absent or empty.
    subscript(_ name: String) -> String? {
        parameters[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The parameter, or Entra's AADSTS900144 when it is missing.
    func required(_ name: String) throws(EntraError) -> String {
        guard let value = self[name] else { throw .missingParameter(name) }
        return value
    }

    /// The carried parameters this request has, for the sign-in form's hidden fields.
    var carried: [(name: String, value: String)] {
        Self.carriedParameters.compactMap { name in self[name].map { value in (name: name, value: value) } }
    }
}
