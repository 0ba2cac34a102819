import BatonCore
import Foundation
import Logging
import Metrics

/// Hands an agent the token for its next hop: from the vault when it holds a fresh one,
/// else by exchanging at the identity provider — once per key, however many ask at once.
///
/// Never hands out a token with less than `skew` left. A token within `refreshAhead` of
/// its expiry is still handed out, and one background exchange renews it. After a
/// downstream answers 401, ``invalidate(_:)`` drops the entry so the next call exchanges
/// again.
///
/// ```swift
/// let broker = TokenBroker(exchanger: OnBehalfOfExchanger(), cache: vault)
/// let token = try await broker.token(for: request, issuer: iss, context: context)
/// ```
public actor TokenBroker {
    private let exchanger: any TokenExchanger
    private let cache: any TokenCache
    private let skew: Duration
    private let refreshAhead: Duration
    private let logger: Logger
    private let metrics: (any MetricsFactory)?
    private let now: @Sendable () -> Date
    private var inFlight: [VaultKey: Task<SharedExchange, any Error>] = [:]
    private var refreshing: Set<VaultKey> = []
    /// Exchanges performed at the identity provider, for tests and stats.
    public private(set) var exchangeCount = 0

    public init(
        exchanger: any TokenExchanger, cache: any TokenCache, skew: Duration = .seconds(60), refreshAhead: Duration = .seconds(300),
        logger: Logger = Logger(label: "baton.broker"), metrics: (any MetricsFactory)? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.exchanger = exchanger
        self.cache = cache
        self.skew = skew
        self.refreshAhead = refreshAhead
        self.logger = logger
        self.metrics = metrics
        self.now = now
    }

    /// The token for `request`'s resource and scopes, as the user of its subject token.
    ///
    /// - Parameters:
    ///   - issuer: the issuer of the subject token, part of the vault key.
    ///   - beforeIdentityProvider: called before the broker asks the identity provider
    ///     (an exchange, or a refresh ahead of expiry) and never for a vault hit: the
    ///     caller's barrier that makes its ledger entries durable first. When it throws, no
    ///     request is made and a needed exchange fails with ``ExchangeError/notRecorded(reason:)``.
    public func token(
        for request: ExchangeRequest, issuer: String, context: VaultEntryContext,
        beforeIdentityProvider: @Sendable () async throws -> Void = {}
    ) async throws(ExchangeError) -> BrokeredToken {
        let key = VaultKey(
            issuer: issuer, tenantID: context.tenantID, clientID: request.client.clientID, audience: request.resource, scopes: request.scopes,
            userAssertion: request.subjectToken)
        if request.claims == nil, let cached = await lookup(key) {
            if cached.expiresAt.timeIntervalSince(now()) < refreshAhead.timeInterval, (try? await beforeIdentityProvider()) != nil {
                refreshInBackground(key, request: request, context: context, renewing: cached.expiresAt)
            }
            count("baton_broker_tokens_total", ("source", cached.source.rawValue))
            return BrokeredToken(accessToken: cached.accessToken, expiresAt: cached.expiresAt, source: cached.source, key: key)
        }
        do {
            try await beforeIdentityProvider()
        } catch {
            throw .notRecorded(reason: "\(error)")
        }
        switch try await exchangeOnce(key, request: request, context: context) {
        case .exchanged(let token):
            count("baton_broker_tokens_total", ("source", TokenSource.identityProvider.rawValue))
            return BrokeredToken(accessToken: token.accessToken, expiresAt: token.expiresAt, source: .identityProvider, key: key)
        case .storedByAnother(let cached):
            count("baton_broker_tokens_total", ("source", cached.source.rawValue))
            return BrokeredToken(accessToken: cached.accessToken, expiresAt: cached.expiresAt, source: cached.source, key: key)
        }
    }

    // MARK: - Long-running work

    /// Like ``token(for:issuer:context:)`` but also keeps the exchange's refresh token, sealed,
    /// so ``continueLongRunning(_:client:context:)`` can get tokens after the user's expired.
    ///
    /// - Parameter maximumAge: how long the session may go on, from now.
    public func startLongRunning(_ request: ExchangeRequest, issuer: String, context: VaultEntryContext, maximumAge: Duration)
        async throws(ExchangeError)
        -> LongRunningSession
    {
        guard let store = cache as? any RefreshTokenStore else { throw .sessionUnavailable(reason: "the token cache cannot keep refresh tokens") }
        var request = request
        request.wantsRefreshToken = true
        exchangeCount += 1
        let token = try await Self.traced(audience: request.resource) { [exchanger, request] () async throws(ExchangeError) in
            try await exchanger.exchange(request)
        }
        let session = LongRunningSession(
            issuer: issuer, tenantID: context.tenantID, objectID: context.objectID, clientID: request.client.clientID, audience: request.resource,
            scopes: request.scopes)
        guard let refreshToken = token.refreshToken else { throw .sessionUnavailable(reason: "the identity provider issued no refresh token") }
        do {
            try await store.store(token, for: session.accessKey, context: context)
            try await store.storeRefreshToken(
                refreshToken, for: session.refreshKey, context: context, deadline: now().addingTimeInterval(maximumAge.timeInterval))
        } catch {
            throw .sessionUnavailable(reason: "the vault could not keep the session: \(error)")
        }
        logger.notice("long-running session started", metadata: Self.auditMetadata(session, context))
        return session
    }

    /// A token for `session`: cached, or redeemed with the session's refresh token. Each
    /// redemption is logged at notice level with the user and agent, never the token.
    public func continueLongRunning(_ session: LongRunningSession, client: ExchangeClient, context: VaultEntryContext) async throws(ExchangeError)
        -> BrokeredToken
    {
        guard let store = cache as? any RefreshTokenStore else { throw .sessionUnavailable(reason: "the token cache cannot keep refresh tokens") }
        let key = session.accessKey
        if let cached = await lookup(key) {
            return BrokeredToken(accessToken: cached.accessToken, expiresAt: cached.expiresAt, source: cached.source, key: key)
        }
        let stored: (token: Secret, deadline: Date)?
        do {
            stored = try await store.refreshToken(for: session.refreshKey)
        } catch {
            throw .sessionUnavailable(reason: "the vault could not read the session: \(error)")
        }
        guard let stored else { throw .sessionUnavailable(reason: "no refresh token is kept for it, or its maximum age has passed") }
        exchangeCount += 1
        let token = try await Self.traced(audience: session.audience) { [exchanger] () async throws(ExchangeError) in
            try await exchanger.redeem(stored.token, client: client, resource: session.audience, scopes: session.scopes)
        }
        do {
            try await store.store(token, for: key, context: context)
            if let rotated = token.refreshToken {
                try await store.storeRefreshToken(rotated, for: session.refreshKey, context: context, deadline: stored.deadline)
            }
        } catch {
            logger.warning("cannot store the redeemed session tokens", metadata: ["error": "\(error)"])
        }
        logger.notice("long-running session continued with its refresh token", metadata: Self.auditMetadata(session, context))
        return BrokeredToken(accessToken: token.accessToken, expiresAt: token.expiresAt, source: .identityProvider, key: key)
    }

    private static func auditMetadata(_ session: LongRunningSession, _ context: VaultEntryContext) -> Logger.Metadata {
        ["tid": "\(session.tenantID)", "oid": "\(session.objectID)", "agent": "\(context.agent)", "audience": "\(session.audience)"]
    }

    /// Drops `key` from every tier, e.g. after the downstream refused its token with 401.
    public func invalidate(_ key: VaultKey) async {
        do {
            try await cache.remove(key)
        } catch {
            logger.warning("cannot remove a vault entry", metadata: ["key": "\(key)", "error": "\(error)"])
        }
    }

    // MARK: - Private

    /// A cached token with at least `skew` left, or `nil`.
    private func lookup(_ key: VaultKey) async -> CachedToken? {
        do {
            guard let cached = try await cache.cachedToken(for: key) else { return nil }
            return cached.expiresAt.timeIntervalSince(now()) > skew.timeInterval ? cached : nil
        } catch {
            logger.warning("vault lookup failed; exchanging instead", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// One exchange per key at a time: concurrent callers await the same task (and, on a
    /// cache daemons share, the daemons coordinate through it).
    ///
    /// - Parameter renewing: the expiry of the token a refresh ahead of expiry replaces;
    ///   `nil` when there is none to use.
    private func exchangeOnce(_ key: VaultKey, request: ExchangeRequest, context: VaultEntryContext, renewing: Date? = nil)
        async throws(ExchangeError) -> SharedExchange
    {
        let task: Task<SharedExchange, any Error>
        if let running = inFlight[key] {
            task = running
        } else {
            task = Task { try await self.coordinatedExchange(key, request: request, context: context, renewing: renewing) }
            inFlight[key] = task
        }
        do {
            let outcome = try await task.value
            inFlight[key] = nil
            return outcome
        } catch let error as ExchangeError {
            inFlight[key] = nil
            throw error
        } catch {
            inFlight[key] = nil
            throw .unavailable(reason: "\(error)")
        }
    }

    /// An exchange, unless another daemon sharing the cache makes the same one: a token it
    /// stores that outlives the one being renewed (or, with none, `skew` from now) serves.
    private func coordinatedExchange(_ key: VaultKey, request: ExchangeRequest, context: VaultEntryContext, renewing: Date?) async throws
        -> SharedExchange
    {
        // A claims challenge needs a token of its own, never another daemon's.
        guard request.claims == nil else { return .exchanged(try await performExchange(key, request: request, context: context)) }
        let freshAfter = max(renewing ?? .distantPast, now().addingTimeInterval(skew.timeInterval))
        return try await cache.exchangeOnce(for: key, freshAfter: freshAfter) {
            try await self.performExchange(key, request: request, context: context)
        }
    }

    private func performExchange(_ key: VaultKey, request: ExchangeRequest, context: VaultEntryContext) async throws -> ExchangedToken {
        exchangeCount += 1
        let started = ContinuousClock.now
        let token: ExchangedToken
        do {
            token = try await Self.traced(audience: request.resource) { [exchanger] () async throws(ExchangeError) in
                try await exchanger.exchange(request)
            }
        } catch {
            count("baton_broker_exchange_errors_total", ("code", error.code))
            throw error
        }
        if let metrics { Timer(label: "baton_broker_exchange_seconds", factory: metrics).record(duration: ContinuousClock.now - started) }
        do {
            try await cache.store(token, for: key, context: context)
        } catch {
            logger.warning("cannot store an exchanged token in the vault", metadata: ["error": "\(error)"])
        }
        return token
    }

    /// `request` to the identity provider in an `exchange_token` span. Only a real exchange
    /// has one: a token the vault serves costs a chain's trace nothing.
    private static func traced(audience: String, _ request: () async throws(ExchangeError) -> ExchangedToken) async throws(ExchangeError)
        -> ExchangedToken
    {
        try await withTracedSpan(
            "exchange_token", attributes: [BatonSpanAttribute.tokenAudience: .string(audience)], errorType: { $0.code }
        ) { _ throws(ExchangeError) in try await request() }
    }

    /// Renews a token nearing expiry once, in the background, while the old one is still served.
    private func refreshInBackground(_ key: VaultKey, request: ExchangeRequest, context: VaultEntryContext, renewing: Date) {
        guard !refreshing.contains(key), inFlight[key] == nil else { return }
        refreshing.insert(key)
        Task {
            defer { self.finishRefresh(key) }
            do {
                _ = try await self.exchangeOnce(key, request: request, context: context, renewing: renewing)
            } catch {
                self.logger.info("refresh ahead of expiry failed; the cached token is served until it expires", metadata: ["error": "\(error)"])
            }
        }
    }

    private func finishRefresh(_ key: VaultKey) {
        refreshing.remove(key)
    }

    private func count(_ label: String, _ dimension: (String, String)) {
        guard let metrics else { return }
        Counter(label: label, dimensions: [dimension], factory: metrics).increment()
    }
}

/// A token handed out by the broker, where it came from and the key to invalidate it by.
public struct BrokeredToken: Sendable {
    public let accessToken: Secret
    public let expiresAt: Date
    public let source: TokenSource
    public let key: VaultKey
}
