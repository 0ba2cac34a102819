internal import HTTPTypes
import Hummingbird

/// A `text/event-stream` response that writes each chunk (one or more whole events) as it
/// arrives and ends when the stream does.
enum ServerSentEvents {
    static func response(_ chunks: AsyncStream<String>, cacheControl: String = "no-cache") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = cacheControl
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                for await chunk in chunks { try await writer.write(ByteBuffer(string: chunk)) }
                try await writer.finish(nil)
            })
    }
}
