import BatonCore
import BatonIdentity
import Foundation

/// Any REST API called as the user: operations declared in YAML (method, path template,
/// parameters in the path, query or JSON body) against a base URL and an audience.
public struct RESTConnector: Connector {
    public let name: String
    public let audience: String
    public let scopes: ScopeSet
    let baseURL: String
    let operations: [RESTOperation]
    let client: DownstreamClient

    public init(name: String, baseURL: String, audience: String, scopes: ScopeSet, operations: [RESTOperation], client: DownstreamClient? = nil) {
        self.name = name
        self.baseURL = URLText.trimmingTrailingSlash(baseURL)
        self.audience = audience
        self.scopes = scopes
        self.operations = operations
        self.client = client ?? DownstreamClient(connector: name)
    }

    public var tools: [ToolDefinition] {
        operations.map { operation in
            var properties: [String: JSONValue] = [:]
            for parameter in operation.parameters { properties[parameter.name] = Schema.string(parameter.description) }
            return ToolDefinition(
                name: operation.name, description: operation.description,
                parameters: Schema.object(properties, required: operation.parameters.filter(\.required).map(\.name)))
        }
    }

    public func execute(_ call: ToolCall, context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        guard let operation = operations.first(where: { $0.name == call.tool }) else { throw .unknownTool(connector: name, tool: call.tool) }
        let arguments = ToolArguments(call)
        var path = operation.path
        var query: [String] = []
        var body: JSONObject = [:]
        for parameter in operation.parameters {
            let value = parameter.location == .body ? call.arguments[parameter.name] : (try arguments.string(parameter.name)).map(JSONValue.string)
            guard let value, value != .null else {
                if parameter.required { throw .invalidArguments(tool: call.tool, problem: "'\(parameter.name)' is required") }
                continue
            }
            switch parameter.location {
            case .path:
                let text = value.stringValue ?? ""
                guard !text.isEmpty, !text.contains("/"), !text.contains("..") else {
                    throw .invalidArguments(tool: call.tool, problem: "'\(parameter.name)' is not a single path segment")
                }
                path = path.replacingOccurrences(of: "{\(parameter.name)}", with: Self.encoded(text))
            case .query:
                query.append("\(Self.encoded(parameter.name))=\(Self.encoded(value.stringValue ?? ""))")
            case .body:
                body[parameter.name] = value
            }
        }
        let url = baseURL + path + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let response = try await client.send(
            DownstreamRequest(
                method: operation.method, url: url, pathTemplate: operation.path, resource: "\(name):\(path.dropFirst())",
                body: body.isEmpty ? nil : .object(body)),
            context: context)
        let content = try response.successBody(connector: name, expectBody: false)
        return ToolResult(content: content, summary: "\(operation.method) \(path): \(response.status)")
    }

    static func encoded(_ text: String) -> String {
        URLText.percentEncoded(text)
    }
}
