public import BatonConfig
public import HummingbirdCore
public import Metrics

/// The HTTP/1 channel configuration of every Baton listener — the daemon's and the dev
/// servers' alike: each connection held to `server.connections` by a ``ConnectionGuard``.
///
/// ```swift
/// Application(router: router, server: .http1(configuration: GuardedHTTP1.configuration(settings)), …)
/// ```
public enum GuardedHTTP1 {
    /// A configuration whose connections share one limiter of `settings`, counted in `factory`'s
    /// metrics, with unreadable requests answered by `answers`.
    public static func configuration(
        _ settings: ConnectionSettings, metrics factory: any MetricsFactory = MetricsSystem.factory,
        answers: @escaping UnreadableRequest.Answers = UnreadableRequest.plainAnswers
    ) -> HTTP1Channel.Configuration {
        let limiter = ConnectionLimiter(settings: settings, factory: factory)
        return HTTP1Channel.Configuration(additionalChannelHandlers: [ConnectionGuard(limiter: limiter, answers: answers)])
    }
}
