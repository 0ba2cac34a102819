import Foundation
import Logging

/// One issuer's published signing keys, cached.
///
/// Keys are kept for the lifetime the JWKS response's `Cache-Control: max-age` allows
/// (or a default), and refreshed ahead of it: the first lookup after 80 % of the lifetime
/// starts a refresh in the background and is answered from the cache meanwhile.
///
/// An unknown `kid` triggers a refetch unless a refetch that found **no new key** happened
/// within `refetchInterval`: a flood of forged key ids costs at most one request per
/// interval, while a key published by a rotation is accepted at its first token even when
/// the previous rotation's refetch was seconds ago (a refetch that found a new key spends
/// no budget). Concurrent refetches share one request. When the provider is unreachable
/// the keys already known keep verifying tokens.
actor JWKSCache {
    struct Key: Sendable {
        let jwk: JSONWebKey
        let key: JWSVerificationKey
    }

    let url: String
    private let fetcher: HTTPDocumentFetcher
    private let refetchInterval: Duration
    private let defaultLifetime: Duration
    private let logger: Logger
    private var keys: [String: Key] = [:]
    private var expiry: ContinuousClock.Instant?
    /// When a refresh ahead of `expiry` is due.
    private var refreshAhead: ContinuousClock.Instant?
    /// The last refetch for an unknown kid that found no key the cache lacked.
    private var lastFruitlessRefetch: ContinuousClock.Instant?
    private var refresh: Task<Void, any Error>?
    /// How many times the key set was requested; tests use it to prove rate limiting.
    private(set) var fetchCount = 0

    init(url: String, fetcher: HTTPDocumentFetcher, refetchInterval: Duration, defaultLifetime: Duration, logger: Logger) {
        self.url = url
        self.fetcher = fetcher
        self.refetchInterval = refetchInterval
        self.defaultLifetime = defaultLifetime
        self.logger = logger
    }

    /// The key published under `kid`.
    func key(for kid: String, issuer: String) async throws(TokenRejection) -> Key {
        if keys.isEmpty || expiry.map({ ContinuousClock.now >= $0 }) == true {
            do {
                try await refreshKeys()
            } catch {
                guard !keys.isEmpty else { throw .keysUnavailable(issuer: issuer, reason: "\(error)") }
                logger.warning("cannot refresh signing keys; using the cached ones", metadata: ["jwks": "\(url)", "error": "\(error)"])
            }
        } else if refreshAhead.map({ ContinuousClock.now >= $0 }) == true {
            refreshInBackground()
        }
        if let key = keys[kid] { return key }
        let now = ContinuousClock.now
        guard lastFruitlessRefetch.map({ now - $0 >= refetchInterval }) ?? true else {
            throw .keyIDUnknown(kid, refreshFailed: false)
        }
        let known = Set(keys.keys)
        do {
            try await refreshKeys()
        } catch {
            lastFruitlessRefetch = now
            logger.warning("cannot refresh signing keys for an unknown kid", metadata: ["jwks": "\(url)", "error": "\(error)"])
            throw .keyIDUnknown(kid, refreshFailed: true)
        }
        if Set(keys.keys).isSubset(of: known) { lastFruitlessRefetch = now }
        guard let key = keys[kid] else { throw .keyIDUnknown(kid, refreshFailed: false) }
        return key
    }

    /// Starts a refresh ahead of expiry, unless one is running; a failure keeps the keys.
    private func refreshInBackground() {
        guard refresh == nil else { return }
        refreshAhead = nil
        Task {
            do {
                try await self.refreshKeys()
            } catch {
                self.retryAheadLater()
                self.logger.warning(
                    "cannot refresh signing keys ahead of expiry; the cached ones stay", metadata: ["jwks": "\(self.url)", "error": "\(error)"])
            }
        }
    }

    /// After a failed refresh ahead: the next try a tenth of the lifetime later (at most a minute).
    private func retryAheadLater() {
        refreshAhead = ContinuousClock.now + min(defaultLifetime / 10, .seconds(60))
    }

    /// Fetches the key set once, however many callers ask at the same time.
    private func refreshKeys() async throws {
        if let refresh {
            try await refresh.value
            return
        }
        let task = Task { try await self.fetchKeys() }
        refresh = task
        defer { refresh = nil }
        try await task.value
    }

    private func fetchKeys() async throws {
        fetchCount += 1
        let document = try await fetcher.fetch(url)
        guard let set = try? JSONDecoder().decode(JSONWebKeySet.self, from: document.data) else {
            throw FetchFailure(url: url, reason: "not a JWK Set")
        }
        var usable: [String: Key] = [:]
        for jwk in set.keys where jwk.use == nil || jwk.use == "sig" {
            guard let kid = jwk.kid, let key = jwk.verificationKey() else { continue }
            usable[kid] = Key(jwk: jwk, key: key)
        }
        guard !usable.isEmpty else { throw FetchFailure(url: url, reason: "the key set has no usable signing key") }
        keys = usable
        let lifetime = document.maxAge ?? defaultLifetime
        expiry = ContinuousClock.now + lifetime
        refreshAhead = ContinuousClock.now + lifetime * 0.8
        logger.debug("signing keys refreshed", metadata: ["jwks": "\(url)", "keys": "\(usable.count)"])
    }
}
