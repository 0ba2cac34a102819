import BatonCore
import Foundation
import HTTPTypes
import Hummingbird

/// `POST /api/now/v1/batch`: several Table API requests in one body — each inner request's
/// body base64-encoded, each run as the caller of the batch and answered in
/// `serviced_requests` with its own status, headers and base64 body. pysnc sends its
/// multi-record updates and deletes this way.
///
/// An inner request that is malformed, or names something other than the Table API, is
/// answered on its own (400, ServiceNow's error body); it does not fail the batch.
struct BatchAPIRoutes: Sendable {
    let emulator: ServiceNowEmulator
    /// The Table API's request handling (faults, authentication, error bodies), shared.
    var table: TableAPIRoutes { TableAPIRoutes(emulator: emulator) }

    /// Inner requests in one batch at most.
    static let maximumRequests = 1_000
    static let maximumBody = 10 << 20

    func register(on router: Router<BasicRequestContext>) {
        for path in ["api/now/batch", "api/now/:version/batch"] {
            router.post(RouterPath(stringLiteral: path)) { request, context in
                await table.respond(request, context) { request, _, session in try await batch(request, session) }
            }
        }
    }

    private func batch(_ request: Request, _ session: ServiceNowInstance.Session) async throws -> Response {
        let buffer = try await request.body.collect(upTo: Self.maximumBody)
        guard case .object(let body)? = try? JSONValue(parsing: buffer.readableBytesView) else {
            throw ServiceNowFailure.badRequest("Exception while reading request", detail: "The payload is not valid JSON.")
        }
        let batchID: String
        switch body["batch_request_id"] {
        case .string(let text)?: batchID = text
        case .integer(let number)?: batchID = String(number)
        default: throw ServiceNowFailure.badRequest("Invalid batch request", detail: "batch_request_id is required")
        }
        guard case .array(let requests)? = body["rest_requests"] else {
            throw ServiceNowFailure.badRequest("Invalid batch request", detail: "rest_requests must be an array")
        }
        guard requests.count <= Self.maximumRequests else {
            throw ServiceNowFailure.badRequest("Invalid batch request", detail: "at most \(Self.maximumRequests) rest_requests in one batch")
        }
        var serviced: [JSONValue] = []
        for inner in requests {
            serviced.append(await run(inner, session))
        }
        return TableAPIRoutes.json(
            .ok, ["batch_request_id": .string(batchID), "serviced_requests": .array(serviced), "unserviced_requests": .array([])])
    }

    /// One inner request, answered whatever happens to it.
    private func run(_ inner: JSONValue, _ session: ServiceNowInstance.Session) async -> JSONValue {
        let started = ContinuousClock.now
        let id = inner.objectValue?["id"]?.stringValue ?? ""
        let response: Response
        do {
            response = try await dispatch(inner, session)
        } catch let failure as ServiceNowFailure {
            response = TableAPIRoutes.failure(failure)
        } catch let error as QueryError {
            response = TableAPIRoutes.failure(.badRequest("Invalid query", detail: error.message))
        } catch {
            response = TableAPIRoutes.failure(.badRequest("Exception while reading request", detail: "\(error)"))
        }
        let body = CollectedBody()
        try? await response.body.write(CollectingWriter(sink: body))
        let headers: [JSONValue] = response.headers.map { ["name": .string($0.name.rawName), "value": .string($0.value)] }
        return [
            "id": .string(id), "status_code": .integer(Int64(response.status.code)), "status_text": .string(response.status.reasonPhrase),
            "headers": .array(headers), "body": .string(Data(body.buffer.readableBytesView).base64EncodedString()),
            "execution_time": .integer(Int64((ContinuousClock.now - started).components.seconds * 1_000)),
        ]
    }

    private func dispatch(_ inner: JSONValue, _ session: ServiceNowInstance.Session) async throws -> Response {
        guard let fields = inner.objectValue, let id = fields["id"]?.stringValue, !id.isEmpty, let methodName = fields["method"]?.stringValue,
            let url = fields["url"]?.stringValue, url.hasPrefix("/")
        else { throw ServiceNowFailure.badRequest("Invalid batch request", detail: "each rest_request needs an id, a method and a relative url") }
        var headers = HTTPFields()
        for header in fields["headers"]?.arrayValue ?? [] {
            guard let name = header.objectValue?["name"]?.stringValue.flatMap({ HTTPField.Name($0) }),
                let value = header.objectValue?["value"]?.stringValue
            else { throw ServiceNowFailure.badRequest("Invalid batch request", detail: "headers must be {name, value} objects") }
            headers[name] = value
        }
        var bytes: [UInt8] = []
        if let encoded = fields["body"]?.stringValue, !encoded.isEmpty {
            guard let decoded = Data(base64Encoded: encoded) else {
                throw ServiceNowFailure.badRequest("Invalid batch request", detail: "body must be base64")
            }
            bytes = Array(decoded)
        }
        let method = HTTPRequest.Method(methodName.uppercased())
        let request = Request(
            head: HTTPRequest(method: method ?? .get, scheme: "https", authority: nil, path: url, headerFields: headers),
            body: RequestBody(buffer: ByteBuffer(bytes: bytes)))
        guard let method, let target = Self.tableTarget(request.uri.path) else {
            throw ServiceNowFailure.badRequest("Requested URI does not represent any resource", detail: url)
        }
        switch (method, target.sysID) {
        case (.get, nil): return try await table.list(request, target, session)
        case (.get, _?): return try await table.get(request, target, session)
        case (.post, nil): return try await table.create(request, target, session)
        case (.put, _?), (.patch, _?): return try await table.update(request, target, session)
        case (.delete, _?): return try await table.delete(request, target, session)
        default: throw ServiceNowFailure(status: 405, message: "Method not Supported", detail: "\(methodName) \(target.table)")
        }
    }

    /// `/api/now[/v1|/v2]/table/{table}[/{sys_id}]`, the only API a batch runs here.
    static func tableTarget(_ path: String) -> TableAPIRoutes.Target? {
        var parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 4, parts[0] == "api", parts[1] == "now" else { return nil }
        parts.removeFirst(2)
        var version: String?
        if parts.first == "v1" || parts.first == "v2" { version = parts.removeFirst() }
        guard parts.first == "table", parts.count == 2 || parts.count == 3 else { return nil }
        return TableAPIRoutes.Target(table: parts[1], sysID: parts.count == 3 ? parts[2] : nil, version: version)
    }
}

/// What a response's body writer wrote, for an inner request's answer.
private final class CollectedBody: @unchecked Sendable {
    var buffer = ByteBuffer()
}

private struct CollectingWriter: ResponseBodyWriter {
    let sink: CollectedBody

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        sink.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
