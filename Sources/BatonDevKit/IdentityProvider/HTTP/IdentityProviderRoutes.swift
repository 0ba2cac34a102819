import BatonCore
import BatonIdentity
import Foundation
import HTTPTypes
import Hummingbird

/// Entra's v2.0 endpoints under `/{tenant}/…` (the authorization endpoint in ``AuthorizationRoutes``),
/// MSAL's instance discovery, and `/_dev/…` test knobs.
struct IdentityProviderRoutes: Sendable {
    let provider: DevIdentityProvider

    /// Token requests larger than this are refused; Entra's are a few kilobytes.
    static let maximumBodySize = 256 * 1024

    func register(on router: Router<BasicRequestContext>) {
        router.get(":tenant/v2.0/.well-known/openid-configuration") { request, context in
            try await discovery(request, context, version: 2)
        }
        router.get(":tenant/.well-known/openid-configuration") { request, context in
            try await discovery(request, context, version: 1)
        }
        router.get(":tenant/discovery/v2.0/keys") { request, context in
            try await keys(request, context, version: 2)
        }
        router.get(":tenant/discovery/keys") { request, context in
            try await keys(request, context, version: 1)
        }
        router.get(":tenant/discovery/instance") { _, _ in
            guard await provider.servesDocument() else { return errorResponse(.unavailable) }
            return Self.json(.ok, await provider.instanceDiscovery())
        }
        router.post(":tenant/oauth2/v2.0/token") { request, context in
            try await token(request, context)
        }
        AuthorizationRoutes(provider: provider).register(on: router)
        DevKnobRoutes(provider: provider).register(on: router)
    }

    private func discovery(_ request: Request, _ context: BasicRequestContext, version: Int) async throws -> Response {
        let tenantName = try context.parameters.require("tenant")
        guard await provider.servesDocument() else { return errorResponse(.unavailable) }
        guard provider.tenant.isNamed(tenantName) else { return errorResponse(.tenantNotFound(tenantName)) }
        return Self.json(.ok, await provider.discoveryDocument(version: version, tenantName: tenantName), cacheControl: "max-age=86400, private")
    }

    private func keys(_ request: Request, _ context: BasicRequestContext, version: Int) async throws -> Response {
        let tenantName = try context.parameters.require("tenant")
        guard await provider.servesDocument() else { return errorResponse(.unavailable) }
        guard provider.tenant.isNamed(tenantName) else { return errorResponse(.tenantNotFound(tenantName)) }
        let data = try JSONEncoder().encode(try await provider.keySet(version: version, tenantName: tenantName))
        return Self.response(.ok, data, cacheControl: "max-age=\(await provider.keySetMaxAge), private")
    }

    private func token(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let tenantName = try context.parameters.require("tenant")
        let correlationID = request.headers[HTTPField.Name("client-request-id")!] ?? UUID().uuidString.lowercased()
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maximumBodySize)
        } catch {
            return errorResponse(
                EntraError(.contentTooLarge, "invalid_request", 90014, "The request body is larger than \(Self.maximumBodySize) bytes."),
                correlationID: correlationID)
        }
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return errorResponse(
                EntraError(.badRequest, "invalid_request", 900144, "The request body must be application/x-www-form-urlencoded."),
                correlationID: correlationID)
        }
        let tokenRequest = TokenRequest(formBody: String(buffer: buffer), authorization: request.headers[.authorization])
        do {
            let body = try await provider.token(tokenRequest, tenantName: tenantName)
            return Self.json(.ok, body, cacheControl: "no-store, no-cache")
        } catch {
            context.logger.info("token request refused", metadata: ["aadsts": "\(error.code)", "error": "\(error.error)"])
            return errorResponse(error, correlationID: correlationID)
        }
    }

    private func errorResponse(_ error: EntraError, correlationID: String = UUID().uuidString.lowercased()) -> Response {
        let traceID = UUID().uuidString.lowercased()
        var response = Self.json(
            error.status, error.body(traceID: traceID, correlationID: correlationID, at: Date()), cacheControl: "no-store, no-cache")
        response.headers[HTTPField.Name("pragma")!] = "no-cache"
        response.headers[HTTPField.Name("x-ms-request-id")!] = traceID
        if let retryAfter = error.retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    static func json(_ status: HTTPResponse.Status, _ object: JSONObject, cacheControl: String? = nil) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(object)) ?? Data()
        return response(status, data, cacheControl: cacheControl)
    }

    static func response(_ status: HTTPResponse.Status, _ data: Data, cacheControl: String?) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.accessControlAllowOrigin] = "*"
        if let cacheControl { headers[.cacheControl] = cacheControl }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
