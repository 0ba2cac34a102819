import Foundation
import Logging

/// One issuer's published signing keys, cached.
///
/// Keys are kept for the lifetime the JWKS response's `Cache-Control: max-age` allows
/// (or a default). An unknown `kid` triggers at most one refetch per `refetchInterval`,
/// so a flood of forged key ids cannot hammer the identity provider; concurrent refetches
/// share one request. When the provider is unreachable the keys already known keep
/// verifying tokens.
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
    private var lastUnknownKeyRefetch: ContinuousClock.Instant?
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
        }
        if let key = keys[kid] { return key }
        let now = ContinuousClock.now
        guard lastUnknownKeyRefetch.map({ now - $0 >= refetchInterval }) ?? true else {
            throw .keyIDUnknown(kid, refreshFailed: false)
        }
        lastUnknownKeyRefetch = now
        do {
            try await refreshKeys()
        } catch {
            logger.warning("cannot refresh signing keys for an unknown kid", metadata: ["jwks": "\(url)", "error": "\(error)"])
            throw .keyIDUnknown(kid, refreshFailed: true)
        }
        guard let key = keys[kid] else { throw .keyIDUnknown(kid, refreshFailed: false) }
        return key
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
        expiry = ContinuousClock.now + (document.maxAge ?? defaultLifetime)
        logger.debug("signing keys refreshed", metadata: ["jwks": "\(url)", "keys": "\(usable.count)"])
    }
}
