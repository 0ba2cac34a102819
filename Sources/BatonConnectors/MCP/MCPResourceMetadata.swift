import AsyncHTTPClient
import BatonCore
import Foundation

/// An MCP server's OAuth protected-resource metadata (RFC 9728), read to learn the
/// audience to exchange the user's token for when the connector's definition names none.
struct MCPResourceMetadata {
    /// The server's URL, as the metadata names it (must be the endpoint Baton calls).
    let resource: String
    let scopes: [String]

    /// The audience its scopes imply: the resource part of the first full scope URI
    /// (`api://search-mcp/access_as_user` → `api://search-mcp`), else `resource` itself.
    var audience: String {
        for scope in scopes where scope.contains("://") {
            guard let slash = scope.lastIndex(of: "/"), scope[..<slash].contains("://"), !scope[..<slash].hasSuffix(":/") else { continue }
            return String(scope[..<slash])
        }
        return resource
    }

    /// The metadata at the path-inserted well-known URL of `endpoint`, else at the root.
    static func fetch(for endpoint: String, client: HTTPClient, connector: String) async throws(ConnectorError) -> MCPResourceMetadata {
        guard let url = URL(string: endpoint), let scheme = url.scheme, let host = url.host else {
            throw .unavailable(connector: connector, reason: "\(endpoint) is not a URL")
        }
        let origin = "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
        let path = url.path == "/" ? "" : url.path
        for candidate in ["\(origin)/.well-known/oauth-protected-resource\(path)", "\(origin)/.well-known/oauth-protected-resource"] {
            guard let document = await document(at: candidate, client: client) else { continue }
            guard let resource = document["resource"]?.stringValue else { continue }
            guard URLText.trimmingTrailingSlash(resource) == URLText.trimmingTrailingSlash(endpoint) else {
                throw .unavailable(
                    connector: connector,
                    reason: "the protected-resource metadata at \(candidate) is for \(resource), not \(endpoint) (RFC 9728 §3.3)")
            }
            return MCPResourceMetadata(resource: resource, scopes: document["scopes_supported"]?.stringArrayValue ?? [])
        }
        throw .unavailable(
            connector: connector, reason: "no audience is configured and \(endpoint) publishes no protected-resource metadata to learn it from")
    }

    private static func document(at url: String, client: HTTPClient) async -> JSONObject? {
        do {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await client.execute(request, timeout: .seconds(10))
            guard response.status.code == 200 else { return nil }
            let body = try await response.body.collect(upTo: 256 * 1024)
            return try JSONValue(parsing: body.readableBytesView).objectValue
        } catch {
            return nil
        }
    }
}
