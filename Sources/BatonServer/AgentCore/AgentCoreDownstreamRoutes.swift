import AsyncHTTPClient
import BatonAgents
import BatonConnectors
import BatonCore
import Foundation
internal import HTTPTypes
import Hummingbird

/// Baton's downstream gateway for the AgentCore apps it runs:
/// `{base}/agentcore/downstream/{connector}/…` forwards to the connector's base URL, with
/// the bearer token the app got from `GetResourceOauth2Token` during its hop, and records
/// each request as a `downstream` entry of that hop's chain — so the ledger names the user
/// at the last step too, though the app's own code made the call.
///
/// It is not an open proxy: only a token Baton handed the app for the hop it is running
/// (while that hop lasts) passes, and only to the connector whose audience the token was
/// exchanged for. Point the app's instance URL here (the agent's `agentcore.downstream`
/// does it for a command Baton starts).
struct AgentCoreDownstreamRoutes {
    static let prefix = "agentcore/downstream"
    static let maximumRequest = 16 << 20
    static let maximumResponse = 64 << 20
    /// Headers passed on each way; nothing else (no cookie, no forwarding headers) crosses.
    static let requestHeaders = ["accept", "content-type", "x-no-response-body"]
    static let responseHeaders = ["content-type", "link", "x-total-count"]

    let system: AgentSystem
    let client: HTTPClient

    init(system: AgentSystem, client: HTTPClient = .shared) {
        self.system = system
        self.client = client
    }

    func register(on router: Router<BatonRequestContext>) {
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("\(Self.prefix)/:connector/**", method: method) { request, context -> Response in
                do {
                    return try await forward(request, connector: try context.parameters.require("connector"))
                } catch let refusal as Refusal {
                    return refusal.response
                }
            }
        }
    }

    private func forward(_ request: Request, connector name: String) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw Refusal(.unauthorized, "a bearer token Baton issued to this app is required")
        }
        let token = Secret(String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces))
        let runtime: AgentRuntime
        do {
            runtime = try await system.runtime()
        } catch {
            throw Refusal(.serviceUnavailable, "the agents cannot run yet")
        }
        guard let issued = await runtime.workloadTokens.downstreamGrant(token), let position = issued.grant.position,
            let user = issued.grant.user
        else {
            throw Refusal(.unauthorized, "the token was not issued by Baton for a hop it is running (or that hop is over)")
        }
        guard let connector = system.connectors.definitions[name] else { throw Refusal(.notFound, "no connector is named '\(name)'") }
        guard connector.audience == issued.resource else {
            throw Refusal(.forbidden, "the token is for \(issued.resource), not for the connector '\(name)'")
        }
        let rest = Self.path(request.uri.path, after: name)
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumRequest)
        } catch {
            throw Refusal(.contentTooLarge, "the request body is larger than \(Self.maximumRequest) bytes")
        }
        var outgoing = HTTPClientRequest(url: URLText.trimmingTrailingSlash(connector.baseURL) + rest + (request.uri.query.map { "?\($0)" } ?? ""))
        outgoing.method = .init(rawValue: request.method.rawValue)
        outgoing.headers.add(name: "Authorization", value: "Bearer \(token.revealed)")
        for field in request.headers where Self.requestHeaders.contains(field.name.canonicalName) {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        if body.readableBytes > 0 { outgoing.body = .bytes(body) }
        let started = ContinuousClock.now
        var call = DownstreamCall(
            connector: name, method: request.method.rawValue, pathTemplate: rest, resource: "\(name):\(rest)", status: nil, latency: .zero,
            attempt: 1)
        let answer: (status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer)
        do {
            let response = try await client.execute(outgoing, timeout: .init(connector.timeout))
            let collected = try await response.body.collect(upTo: Self.maximumResponse)
            var headers = HTTPFields()
            for (field, value) in response.headers where Self.responseHeaders.contains(field.lowercased()) {
                if let key = HTTPField.Name(field) { headers.append(HTTPField(name: key, value: value)) }
            }
            answer = (HTTPResponse.Status(code: Int(response.status.code)), headers, collected)
        } catch {
            call.latency = ContinuousClock.now - started
            try? await runtime.recordDownstream(call, at: position, user: user, agent: position.actorPath.last ?? "", shared: issued.isShared)
            throw Refusal(.badGateway, "the connector '\(name)' could not be reached")
        }
        call.status = answer.status.code
        call.latency = ContinuousClock.now - started
        // The answer goes back only once its record is durable: the ledger fails closed.
        do throws(AgentError) {
            try await runtime.recordDownstream(call, at: position, user: user, agent: position.actorPath.last ?? "", shared: issued.isShared)
        } catch {
            throw Refusal(.serviceUnavailable, "the ledger could not record the request, so its answer is withheld")
        }
        return Response(status: answer.status, headers: answer.headers, body: .init(byteBuffer: answer.body))
    }

    /// What follows `/agentcore/downstream/{connector}` in `path`, from its `/`.
    static func path(_ path: String, after connector: String) -> String {
        let marker = "/\(prefix)/\(connector)"
        guard let range = path.range(of: marker) else { return "/" }
        let rest = String(path[range.upperBound...])
        return rest.isEmpty ? "/" : rest
    }

    /// A refusal in ServiceNow's error shape (what the app's instance client expects), never naming a token.
    struct Refusal: Error {
        let status: HTTPResponse.Status
        let message: String

        init(_ status: HTTPResponse.Status, _ message: String) {
            self.status = status
            self.message = message
        }

        var response: Response {
            let body: JSONValue = ["error": ["message": .string(message), "detail": "Baton downstream gateway"], "status": "failure"]
            return HealthRoutes.json(status, bytes: body.serialized)
        }
    }
}
