import BatonCore
import Foundation
import HTTPTypes
import Hummingbird

/// `/{tenant}/oauth2/v2.0/authorize`: the front channel of the authorization code flow.
///
/// A GET checks the request and answers the sign-in page; the page posts the request's
/// parameters back with the user's username and password, which are checked again from
/// scratch. A correct sign-in is a `302` to the redirect URI with `code` and `state`. Wrong
/// credentials show the page again with `200` and a message that does not say which was
/// wrong, as Entra's sign-in page does. Failures the client may hear about are `302`s with
/// `error`, `error_description` and `state`; the others are error pages (`400`).
struct AuthorizationRoutes: Sendable {
    let provider: DevIdentityProvider

    func register(on router: Router<BasicRequestContext>) {
        router.get(":tenant/oauth2/v2.0/authorize") { request, context in
            try await signInPage(request, context)
        }
        router.post(":tenant/oauth2/v2.0/authorize") { request, context in
            try await signIn(request, context)
        }
    }

    private func signInPage(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let tenantName = try context.parameters.require("tenant")
        do {
            let pending = try await provider.authorization(AuthorizationRequest(encoded: request.uri.query ?? ""), tenantName: tenantName)
            return AuthorizationPages.signIn(pending, action: request.uri.path, username: pending.loginHint, failed: false)
        } catch {
            return refusal(error, context)
        }
    }

    private func signIn(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let tenantName = try context.parameters.require("tenant")
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true,
            let body = try? await request.body.collect(upTo: IdentityProviderRoutes.maximumBodySize)
        else {
            return AuthorizationPages.error(
                EntraError(
                    .badRequest, "invalid_request", 900144,
                    "The sign-in form must be posted as application/x-www-form-urlencoded, at most \(IdentityProviderRoutes.maximumBodySize) bytes."))
        }
        let form = AuthorizationRequest(encoded: String(buffer: body))
        do {
            let pending = try await provider.authorization(form, tenantName: tenantName)
            guard let code = await provider.signIn(pending, username: form["username"], password: form["password"]) else {
                context.logger.info("sign-in refused: wrong username or password", metadata: ["client_id": "\(pending.client.appID)"])
                return AuthorizationPages.signIn(pending, action: request.uri.path, username: form["username"], failed: true)
            }
            return Self.redirect(to: pending.redirectURI, ["code": code, "state": pending.state])
        } catch {
            return refusal(error, context)
        }
    }

    private func refusal(_ failure: AuthorizationFailure, _ context: BasicRequestContext) -> Response {
        context.logger.info("authorization request refused", metadata: ["aadsts": "\(failure.error.code)", "error": "\(failure.error.error)"])
        switch failure {
        case .page(let error):
            return AuthorizationPages.error(error)
        case .redirect(let error, let redirectURI, let state):
            let description = error.errorDescription(
                traceID: UUID().uuidString.lowercased(), correlationID: UUID().uuidString.lowercased(), at: Date())
            return Self.redirect(to: redirectURI, ["error": error.error, "error_description": description, "state": state])
        }
    }

    /// A `302` to `redirectURI` with `fields` (those not `nil`) added to the query it already has.
    static func redirect(to redirectURI: String, _ fields: [String: String?]) -> Response {
        var headers = HTTPFields()
        headers[.location] = redirectURI + (redirectURI.contains("?") ? "&" : "?") + URLText.formEncoded(fields.compactMapValues { $0 })
        headers[.cacheControl] = "no-store"
        return Response(status: .found, headers: headers)
    }
}
