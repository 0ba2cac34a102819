import BatonCore
import BatonDevKit
import BatonIdentity
import BatonLedger
import Crypto
import Foundation

/// One warm delegation hop as the runtime takes it, without HTTP or brains: the broker's
/// cached token for the callee (vault hot tier), the callee's verification of that token
/// (signature, issuer, audience, user), and the `exchange` and `delegate` entries appended
/// together and durable (group commit, fsync) before the callee would run.
struct HopBenchmark {
    let running: DevStack.Running
    let token: String
    let tenant: DevTenant
    let calls: Int

    func run() async throws -> [String] {
        guard let vault = await running.daemon.storage.vault(), let ledger = await running.daemon.storage.ledger() else {
            throw CommandFailure(message: "the stores are not open")
        }
        guard let concierge = tenant.application("concierge"), let triage = tenant.application("triage"), let secret = concierge.secrets.first else {
            throw CommandFailure(message: "the tenant lacks the concierge or triage app")
        }
        let endpoint = "\(running.endpoints.idp)/\(tenant.id)/oauth2/v2.0/token"
        let broker = TokenBroker(exchanger: OnBehalfOfExchanger(), cache: vault)
        let request = ExchangeRequest(
            subjectToken: Secret(token), client: ExchangeClient(clientID: concierge.appID, credential: .secret(secret), tokenEndpoint: endpoint),
            resource: "api://triage", scopes: ["access_as_user"])
        let context = VaultEntryContext(
            tenantID: tenant.id, objectID: "a4fda3b2-0738-59b8-b7a1-849d73fb98aa", username: "jane@contoso.com", agent: "concierge",
            audience: "api://triage", scopes: ["access_as_user"])
        let verifier = TokenVerifier(
            issuers: [TrustedIssuer(name: "dev", kind: .entra(authority: running.endpoints.idp, multiTenant: false), tenants: [tenant.id])],
            fingerprinter: TokenFingerprinter(key: SymmetricKey(size: .bits256)))
        let policy = TokenPolicy(audiences: [triage.appID, "api://triage"], requiredScopes: ["access_as_user"])
        let user = ChainUser(tenantID: tenant.id, objectID: "a4fda3b2-0738-59b8-b7a1-849d73fb98aa", username: "jane@contoso.com")
        let chain = ChainID.make()

        @Sendable func hop() async throws {
            let exchanged = try await broker.token(for: request, issuer: "dev", context: context)
            let verified = try await verifier.verify(exchanged.accessToken.revealed, policy: policy)
            guard verified.principal.objectID == user.objectID else { throw CommandFailure(message: "another user") }
            // As the runtime does: the caller's exchange and the callee's acceptance, durable together.
            try await ledger.writer.append(contentsOf: [
                LedgerEntry(
                    chainID: chain, hop: 0, kind: .exchange, user: user, agent: "concierge", actorPath: ["concierge"], target: "triage",
                    operation: "exchange", decision: .allowed, tokenSource: exchanged.source.rawValue),
                LedgerEntry(
                    chainID: chain, hop: 1, parentHop: 0, kind: .delegate, user: user, agent: "triage", actorPath: ["concierge", "triage"],
                    target: "triage", operation: "invoke", decision: .allowed),
            ])
        }

        try await hop()  // the one exchange at the IdP; every later hop is warm
        let sequential = try await LatencySample.measure(count: calls) { try await hop() }
        let concurrent = try await withThrowingTaskGroup(of: LatencySample.self) { group in
            for _ in 0..<16 { group.addTask { try await LatencySample.measure(count: calls / 16) { try await hop() } } }
            return try await group.reduce(into: LatencySample()) { $0.merge($1) }
        }
        let fsync = try FsyncProbe.measure(in: running.dataDirectory, count: 200)
        let verification = try await LatencySample.measure(count: calls) {
            _ = try await verifier.verify(
                (try await broker.token(for: request, issuer: "dev", context: context)).accessToken.revealed, policy: policy)
        }
        return [
            "warm delegation hop, 1 at a time:   \(sequential.summary)",
            "warm delegation hop, 16 concurrent: \(concurrent.summary)",
            "  of which cached token + verification at the callee: \(verification.summary)",
            "  fsync of a 4 KiB write on this disk (the floor of a durable append): \(fsync.summary)",
        ]
    }
}

extension LatencySample {
    mutating func merge(_ other: LatencySample) {
        self = LatencySample(merging: nanoseconds + other.nanoseconds)
    }
}

/// How long this disk takes to make a small write durable.
enum FsyncProbe {
    static func measure(in directory: String, count: Int) throws -> LatencySample {
        let path = (directory as NSString).appendingPathComponent("fsync-probe")
        defer { unlink(path) }
        let descriptor = open(path, O_CREAT | O_WRONLY, 0o600)
        guard descriptor >= 0 else { throw CommandFailure(message: "cannot create \(path)") }
        defer { close(descriptor) }
        let block = [UInt8](repeating: 7, count: 4096)
        var values: [Int64] = []
        for _ in 0..<count {
            let started = ContinuousClock.now
            _ = block.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, 4096, 0) }
            fsync(descriptor)
            values.append((ContinuousClock.now - started).microseconds * 1000)
        }
        return LatencySample(merging: values)
    }
}
