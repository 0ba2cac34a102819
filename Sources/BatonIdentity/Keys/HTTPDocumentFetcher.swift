import AsyncHTTPClient
import Foundation
internal import NIOCore

/// Fetches small JSON documents (discovery, JWKS) with a timeout and a size limit.
public struct HTTPDocumentFetcher: Sendable {
    /// A fetched document and how long its server says it may be cached.
    struct Document: Sendable {
        let data: Data
        let maxAge: Duration?
    }

    let client: HTTPClient
    let timeout: Duration
    let sizeLimit: Int

    public init(client: HTTPClient = .shared, timeout: Duration = .seconds(5), sizeLimit: Int = 1 << 20) {
        self.client = client
        self.timeout = timeout
        self.sizeLimit = sizeLimit
    }

    /// GETs `url`; any failure is described in one line, for the operator.
    func fetch(_ url: String) async throws(FetchFailure) -> Document {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        do {
            let response = try await client.execute(request, timeout: .init(timeout))
            guard response.status == .ok else {
                throw FetchFailure(url: url, reason: "HTTP \(response.status.code)")
            }
            let body = try await response.body.collect(upTo: sizeLimit)
            return Document(data: Data(body.readableBytesView), maxAge: Self.maxAge(response.headers["cache-control"].joined(separator: ",")))
        } catch let failure as FetchFailure {
            throw failure
        } catch {
            throw FetchFailure(url: url, reason: "\(error)")
        }
    }

    /// `max-age=N` from a Cache-Control header, unless `no-store` or `no-cache` forbid caching.
    static func maxAge(_ header: String) -> Duration? {
        let directives = header.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if directives.contains("no-store") || directives.contains("no-cache") { return .zero }
        return directives.lazy.compactMap { directive in
            directive.hasPrefix("max-age=") ? Int(directive.dropFirst("max-age=".count)).map { Duration.seconds($0) } : nil
        }.first
    }
}

/// A document could not be fetched.
struct FetchFailure: Error, CustomStringConvertible {
    let url: String
    let reason: String

    var description: String { "\(url): \(reason)" }
}
