import BatonCore
import BatonIdentity
import Foundation

/// One request a connector wants made, before credentials are attached.
public struct DownstreamRequest: Sendable {
    public var method: String
    public var url: String
    /// The path with placeholders, for the ledger.
    public var pathTemplate: String
    /// What is touched, for the ledger.
    public var resource: String
    public var body: JSONValue?
    /// A body that is not JSON (an attachment's bytes), sent as they are with its content type.
    public var rawBody: (bytes: [UInt8], contentType: String)?
    public var headers: [(String, String)]

    public init(method: String, url: String, pathTemplate: String, resource: String, body: JSONValue? = nil, headers: [(String, String)] = []) {
        self.method = method
        self.url = url
        self.pathTemplate = pathTemplate
        self.resource = resource
        self.body = body
        self.headers = headers
    }

    /// Safe to repeat after a 5xx or 429: the methods RFC 9110 calls idempotent.
    var isIdempotent: Bool { ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(method) }
}

/// A downstream's answer.
public struct DownstreamResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// The body as JSON, or `nil` when it is not JSON (an HTML error page, empty).
    public var json: JSONValue? {
        guard !body.isEmpty, header("Content-Type")?.lowercased().contains("json") ?? true else { return nil }
        return try? JSONValue(parsing: body)
    }
}
