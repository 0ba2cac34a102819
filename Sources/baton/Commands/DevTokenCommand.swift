import ArgumentParser
import BatonConfig
import BatonDevKit
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `baton dev token`: sign a dev user in and print the access token.
///
/// The one command that prints a token, on purpose: it is how a developer gets Token A
/// for `curl`. The token goes to standard output alone, so `$(baton dev token …)` works.
struct DevTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Sign a dev user in at the dev identity provider and print the access token.",
        discussion: "Uses the password grant with the user's dev password from the tenant file unless --password is given."
    )

    @Option(name: .long, help: "The user's username, e.g. jane@contoso.com.")
    var user: String

    @Option(name: .long, help: "The user's password (default: the dev password in the tenant file).")
    var password: String?

    @Option(name: .long, help: "The client app, by name or app id.")
    var client = "baton-cli"

    @Option(name: .long, help: "The scope to request.")
    var scope = "api://concierge/access_as_user"

    @Option(name: .long, help: "The dev identity provider's base URL.")
    var idp = "http://127.0.0.1:9400"

    @OptionGroup var tenantOptions: TenantOptions

    func run() async throws {
        try await reportingFailures {
            let tenant = try tenantOptions.load()
            guard let application = tenant.application(client) else {
                throw CommandFailure(message: "\(tenantOptions.config): no app is named '\(client)'")
            }
            guard let account = tenant.user(username: user) else {
                throw CommandFailure(message: "\(tenantOptions.config): no user is named '\(user)'")
            }
            var fields = [
                "grant_type": "password", "client_id": application.appID, "username": account.username,
                "password": password ?? account.password.revealed, "scope": scope,
            ]
            if let secret = application.secrets.first { fields["client_secret"] = secret.revealed }
            let (status, body) = try await post(fields, to: "\(idp)/\(tenant.id)/oauth2/v2.0/token")
            guard status == 200, let token = body["access_token"] as? String else {
                let reason = (body["error_description"] as? String)?.components(separatedBy: "\r\n").first ?? "HTTP \(status)"
                throw CommandFailure(message: "sign-in failed: \(reason)")
            }
            print(token)
        }
    }

    private func post(_ fields: [String: String], to url: String) async throws -> (Int, [String: Any]) {
        guard let endpoint = URL(string: url) else { throw CommandFailure(message: "--idp \(idp) is not a URL") }
        var request = URLRequest(url: endpoint, timeoutInterval: 15)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        request.httpBody = Data(
            fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&").utf8)
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
