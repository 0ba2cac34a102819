import BatonCore
import BatonDevKit
import BatonIdentity
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Signs a dev user in at the dev identity provider (password grant) — how the CLI gets
/// Token A for `baton invoke`, `baton doctor` and `baton dev token`.
struct DevSignIn {
    let tenant: DevTenant
    /// The dev IdP's base URL.
    let idp: String

    var tokenEndpoint: String { EntraEndpoints.tokenEndpoint(authority: idp, tenant: tenant.id) }

    /// An access token for `scope`, signed in as `user` at `client` (default the public CLI app).
    func token(user username: String, password: String? = nil, client: String = "baton-cli", scope: String) async throws -> String {
        guard let application = tenant.application(client) else { throw CommandFailure(message: "the dev tenant has no app named '\(client)'") }
        guard let account = tenant.user(username: username) else { throw CommandFailure(message: "the dev tenant has no user named '\(username)'") }
        var fields = [
            "grant_type": "password", "client_id": application.appID, "username": account.username,
            "password": password ?? account.password.revealed, "scope": scope,
        ]
        if let secret = application.secrets.first { fields["client_secret"] = secret.revealed }
        let (status, body) = try await post(fields)
        guard status == 200, let token = body["access_token"] as? String else {
            let reason = (body["error_description"] as? String)?.components(separatedBy: "\r\n").first ?? "HTTP \(status)"
            throw CommandFailure(message: "sign-in failed: \(reason)")
        }
        return token
    }

    private func post(_ fields: [String: String]) async throws -> (Int, [String: Any]) {
        guard let endpoint = URL(string: tokenEndpoint) else { throw CommandFailure(message: "--idp \(idp) is not a URL") }
        var request = URLRequest(url: endpoint, timeoutInterval: 15)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(URLText.formEncoded(fields).utf8)
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw CommandFailure(message: "cannot reach the dev identity provider at \(idp): \(error.localizedDescription)")
        }
        let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, body)
    }
}
