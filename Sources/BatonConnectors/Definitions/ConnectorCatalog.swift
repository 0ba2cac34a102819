import AsyncHTTPClient
import BatonConfig
import BatonCore
import Foundation
import Logging

/// Every connector the daemon runs, read from a directory of `*.yaml` definitions.
public struct ConnectorCatalog: Sendable {
    public let definitions: [String: ConnectorDefinition]
    public let connectors: [String: any Connector]

    public init(definitions: [ConnectorDefinition], logger: Logger = Logger(label: "baton.connector")) {
        var byName: [String: ConnectorDefinition] = [:]
        var connectors: [String: any Connector] = [:]
        for definition in definitions {
            byName[definition.name] = definition
            connectors[definition.name] = Self.make(definition, logger: logger)
        }
        self.definitions = byName
        self.connectors = connectors
    }

    /// Reads `directory/*.yaml`; a missing directory is an empty catalog. Two files with one name are an error.
    public static func load(directory: String, environment: [String: String], logger: Logger = Logger(label: "baton.connector")) throws(ConfigError)
        -> ConnectorCatalog
    {
        var definitions: [ConnectorDefinition] = []
        for file in yamlFiles(in: directory) {
            let definition = try ConnectorDefinition.load(file: file, environment: environment)
            if let other = definitions.first(where: { $0.name == definition.name }) {
                throw .invalidValue(
                    origin: .file(path: file, line: nil), keyPath: "name", problem: "'\(definition.name)' is also defined in \(other.file)")
            }
            definitions.append(definition)
        }
        return ConnectorCatalog(definitions: definitions, logger: logger)
    }

    public subscript(name: String) -> (any Connector)? { connectors[name] }

    static func make(_ definition: ConnectorDefinition, logger: Logger) -> any Connector {
        var http = HTTPClient.shared
        if let caFile = definition.caFile {
            do {
                http = try TrustedClients.client(trusting: caFile)
            } catch {
                logger.error("the connector's ca_file cannot be read; it trusts the system's CAs only", metadata: ["connector": "\(definition.name)"])
            }
        }
        let client = DownstreamClient(
            connector: definition.name, client: http, timeout: definition.timeout, retry: .init(attempts: definition.retries), logger: logger)
        switch definition.kind {
        case .servicenow:
            return ServiceNowConnector(
                name: definition.name, baseURL: definition.baseURL, audience: definition.audience, scopes: definition.scopes, client: client)
        case .graph:
            return GraphConnector(
                name: definition.name, baseURL: definition.baseURL, audience: definition.audience, scopes: definition.scopes, client: client)
        case .salesforce:
            return SalesforceConnector(
                name: definition.name, instanceURL: definition.baseURL, apiVersion: definition.apiVersion ?? "v62.0", audience: definition.audience,
                scopes: definition.scopes, client: client)
        case .mcp:
            return MCPConnector(
                name: definition.name, endpoint: definition.baseURL, audience: definition.audience, scopes: definition.scopes,
                tools: definition.tools, client: client)
        case .rest:
            return RESTConnector(
                name: definition.name, baseURL: definition.baseURL, audience: definition.audience, scopes: definition.scopes,
                operations: definition.operations, client: client)
        }
    }

    /// `*.yaml` and `*.yml` files directly in `directory`, sorted.
    public static func yamlFiles(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "\(directory)/\($0)" }
    }
}
