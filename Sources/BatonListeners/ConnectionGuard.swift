internal import HTTPTypes
internal import NIOCore
internal import NIOHTTP1
internal import NIOHTTPTypes

/// Holds one HTTP/1 connection to `server.connections`: admitted only while the listener
/// and its peer are under their limits, and closed when the client takes too long — to
/// send a request head (from the connection, or after the previous answer on a keep-alive
/// connection), to send the body it announced, or to read the answer it is sent.
///
/// Without it a connection that sends half its headers, or nothing at all, stays open for
/// ever and a few thousand such connections starve the daemon of file descriptors.
///
/// It also answers a request the HTTP parser refuses (``UnreadableRequest``), with the
/// listener's answers instead of the server's bare 400; a ``RequestHeadTap`` it puts first
/// in the pipeline tells it whether the `Authorization` field was the reason.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// What the connection was waiting for when its time ran out.
    enum Phase: String {
        case head, body, idle, write
    }

    private let limiter: ConnectionLimiter
    private let answers: UnreadableRequest.Answers
    private let tap = RequestHeadTap()
    /// Between a request's head and its answer's end: a parse error then just closes.
    private var answering = false
    private var peer: String?
    /// Whether the limiter was asked (once per connection).
    private var decided = false
    private var admitted = false
    private var timer: Scheduled<Void>?
    private var writeTimer: Scheduled<Void>?

    init(limiter: ConnectionLimiter, answers: @escaping UnreadableRequest.Answers) {
        self.limiter = limiter
        self.answers = answers
    }

    func handlerAdded(context: ChannelHandlerContext) {
        try? context.pipeline.syncOperations.addHandler(tap, position: .first)
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            answering = true
            tap.headParsed()
            wait(for: .body, context)
        case .body: break
        case .end: cancel()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            answering = false
            wait(for: .idle, context)
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        cancel()
        guard !answering else {
            context.close(promise: nil)
            return
        }
        let request: UnreadableRequest =
            if error == .headerOverflow { .headTooLarge } else if tap.authorizationIsUnreadable { .unreadableAuthorization } else { .malformed }
        let answer = answers(request)
        var headers = answer.headers
        headers[.connection] = "close"
        headers[.contentLength] = String(answer.body.count)
        context.write(wrapOutboundOut(.head(HTTPResponse(status: answer.status, headerFields: headers))), promise: nil)
        if !answer.body.isEmpty { context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: answer.body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writeTimer?.cancel()
        writeTimer = nil
        if !context.channel.isWritable {
            // The client stopped reading: its answer may not sit in our buffers for ever.
            writeTimer = schedule(limiter.settings.writeTimeout, phase: .write, context)
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: - Private

    private func admit(_ context: ChannelHandlerContext) {
        guard !decided else { return }
        decided = true
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if limiter.admit(peer: address) != nil {
            context.close(promise: nil)
            return
        }
        peer = address
        admitted = true
        wait(for: .head, context)
    }

    /// Starts the clock for `phase`, replacing the running one.
    private func wait(for phase: Phase, _ context: ChannelHandlerContext) {
        cancel()
        let limit =
            switch phase {
            case .head: limiter.settings.headTimeout
            case .body: limiter.settings.bodyTimeout
            case .idle: limiter.settings.idleTimeout
            case .write: limiter.settings.writeTimeout
            }
        timer = schedule(limit, phase: phase, context)
    }

    private func schedule(_ limit: Duration, phase: Phase, _ context: ChannelHandlerContext) -> Scheduled<Void> {
        let limiter = self.limiter
        return context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: TimeAmount(limit)) {
            limiter.timedOut(phase)
            context.close(promise: nil)
        }
    }

    private func cancel() {
        timer?.cancel()
        timer = nil
    }

    private func finish() {
        cancel()
        writeTimer?.cancel()
        writeTimer = nil
        if admitted, let peer {
            limiter.release(peer: peer)
            admitted = false
        }
    }
}
