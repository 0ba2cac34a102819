import BatonCore
import Foundation
import HTTPTypes
import Hummingbird

/// Responses as the dev model's wire formats write them: a JSON document, or a body sent in
/// pieces so a client reads each event as it comes, as from a real model.
enum WireResponse {
    static func json(_ status: HTTPResponse.Status, _ value: JSONValue, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.serialized)))
    }

    /// A `200` whose body is `pieces`, each written (and flushed) on its own, with no length.
    static func streamed(contentType: String, _ pieces: [[UInt8]], headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-cache"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                for piece in pieces { try await writer.write(ByteBuffer(bytes: piece)) }
                try await writer.finish(nil)
            })
    }

    /// A request id header value, as both services send one.
    static func requestID() -> String {
        UUID().uuidString.lowercased()
    }
}
