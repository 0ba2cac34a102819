import BatonCore
import Foundation
import Logging

/// The trusted issuers, resolved through their discovery documents to exact issuer
/// strings (or Entra's `{tenantid}` templates) and key sets.
///
/// Discovery is read lazily and remembered; a document that could not be read is retried
/// at most once per `retryInterval`, so an outage does not turn every request into a
/// fetch.
actor IssuerDirectory {
    /// A discovery document read: which issuer it names and where its keys are.
    struct ResolvedIssuer: Sendable {
        let trusted: TrustedIssuer
        /// The `issuer` value; for Entra multi-tenant documents it contains `{tenantid}`.
        let issuer: String
        /// The token version this issuer stands for (Entra), or `nil`.
        let version: Int?
        let keys: JWKSCache

        /// The tenant in `iss` when this issuer matches it, `""` for a non-templated exact match, else `nil`.
        func match(_ iss: String) -> String? {
            guard let (prefix, suffix) = ASCIIText.split(issuer, around: "{tenantid}") else { return iss == issuer ? "" : nil }
            let bytes = iss.utf8
            guard bytes.count > prefix.utf8.count + suffix.utf8.count, bytes.starts(with: prefix.utf8),
                bytes.reversed().starts(with: suffix.utf8.reversed())
            else { return nil }
            let tenant = Substring(bytes.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count))
            return GUID.isValid(tenant) ? tenant.lowercased() : nil
        }
    }

    private struct Source {
        let trusted: TrustedIssuer
        let url: String
        let version: Int?
        var resolved: ResolvedIssuer?
        var lastAttempt: ContinuousClock.Instant?
        var lastError: String?
    }

    private var sources: [Source]
    /// The discovery reads under way; concurrent callers wait for the same reads.
    private var resolving: Task<Void, Never>?
    private let fetcher: HTTPDocumentFetcher
    private let settings: VerifierSettings
    private let logger: Logger

    init(issuers: [TrustedIssuer], fetcher: HTTPDocumentFetcher, settings: VerifierSettings, logger: Logger) {
        self.sources = issuers.flatMap { issuer in issuer.discoverySources.map { Source(trusted: issuer, url: $0.url, version: $0.version) } }
        self.fetcher = fetcher
        self.settings = settings
        self.logger = logger
    }

    /// The issuer that `iss` names, with the tenant a template matched.
    func resolve(_ iss: String) async throws(TokenRejection) -> (ResolvedIssuer, tenant: String?) {
        if let found = match(iss) { return found }
        await resolvePending()
        if let found = match(iss) { return found }
        if let version = unacceptedEntraVersion(iss) { throw .versionNotAccepted(version) }
        if let failed = sources.first(where: { $0.resolved == nil }) {
            throw .keysUnavailable(
                issuer: failed.trusted.name, reason: "its discovery document could not be read (\(failed.lastError ?? "not tried"))")
        }
        throw .issuerUntrusted(iss)
    }

    /// How many key-set requests the resolved issuers have made in all, for tests of rate limiting.
    func keyFetchCount() async -> Int {
        var total = 0
        for source in sources {
            if let keys = source.resolved?.keys { total += await keys.fetchCount }
        }
        return total
    }

    /// The Entra token version `iss` is written in, when a trusted Entra issuer does not accept it.
    private func unacceptedEntraVersion(_ iss: String) -> Int? {
        let version = iss.hasPrefix("https://sts.windows.net/") ? 1 : iss.hasSuffix("/v2.0") ? 2 : nil
        guard let version else { return nil }
        let entra = sources.map(\.trusted).filter(\.isEntra)
        return !entra.isEmpty && entra.allSatisfy({ !$0.versions.contains(version) }) ? version : nil
    }

    private func match(_ iss: String) -> (ResolvedIssuer, tenant: String?)? {
        for source in sources {
            guard let resolved = source.resolved, let tenant = resolved.match(iss) else { continue }
            return (resolved, tenant.isEmpty ? nil : tenant)
        }
        return nil
    }

    private func resolvePending() async {
        if let resolving {
            await resolving.value
            return
        }
        let task = Task { await self.readPendingDocuments() }
        resolving = task
        await task.value
        resolving = nil
    }

    private func readPendingDocuments() async {
        let now = ContinuousClock.now
        for index in sources.indices where sources[index].resolved == nil {
            if let last = sources[index].lastAttempt, now - last < settings.keyRefetchInterval { continue }
            sources[index].lastAttempt = now
            do {
                sources[index].resolved = try await read(sources[index])
                sources[index].lastError = nil
            } catch {
                sources[index].lastError = "\(error)"
                logger.warning("cannot read issuer discovery", metadata: ["issuer": "\(sources[index].trusted.name)", "error": "\(error)"])
            }
        }
    }

    private func read(_ source: Source) async throws -> ResolvedIssuer {
        let document = try await fetcher.fetch(source.url)
        guard let object = try? JSONDecoder().decode(JSONObject.self, from: document.data),
            let issuer = object["issuer"]?.stringValue, let jwksURI = object["jwks_uri"]?.stringValue
        else { throw FetchFailure(url: source.url, reason: "not a discovery document with issuer and jwks_uri") }
        let keys = JWKSCache(
            url: jwksURI, fetcher: fetcher, refetchInterval: settings.keyRefetchInterval, defaultLifetime: settings.defaultKeyLifetime,
            logger: logger)
        return ResolvedIssuer(trusted: source.trusted, issuer: issuer, version: source.version, keys: keys)
    }
}
