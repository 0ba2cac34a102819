import BatonAgents
import BatonConnectors
import BatonCore
import BatonIdentity
import BatonLedger
import BatonStorage
import BatonVault
import HTTPTypes
import Hummingbird
import Testing

@testable import BatonServer

@Suite("One error-to-HTTP map: refusals 4xx, server-side failures 5xx, the stable code always")
struct ErrorResponseTests {
    struct Example: Sendable, CustomTestStringConvertible {
        let error: any Error & Sendable
        let status: Int
        let code: String
        var retryAfter = false
        var challenge: String? = nil
        var testDescription: String { "\(code) → \(status)" }
    }

    static let examples: [Example] = [
        .init(error: AgentError.unknownAgent("ghost"), status: 404, code: "unknown_agent"),
        .init(error: AgentError.tokenRejected(agent: "itsm", rejection: .expired), status: 401, code: "token_expired", challenge: "invalid_token"),
        .init(error: TokenRejection.missing, status: 401, code: "token_missing", challenge: #"Bearer realm="baton""#),
        .init(error: TokenRejection.insufficientScope(required: ["x"]), status: 403, code: "insufficient_scope", challenge: "insufficient_scope"),
        .init(error: TokenRejection.keysUnavailable(issuer: "dev", reason: "down"), status: 503, code: "keys_unavailable", retryAfter: true),
        .init(error: AgentError.userMismatch(agent: "triage"), status: 403, code: "user_mismatch"),
        .init(error: AgentError.denied(.cycle, message: "loop"), status: 403, code: "delegation_cycle"),
        .init(error: AgentError.denied(.depthExceeded, message: "deep"), status: 403, code: "depth_exceeded"),
        .init(
            error: AgentError.claimsChallenge(claims: "{}", message: "MFA"), status: 401, code: "claims_challenge", challenge: "insufficient_claims"),
        .init(error: AgentError.exchangeFailed(agent: "a", error: .unavailable(reason: "down")), status: 503, code: "idp_unavailable"),
        .init(
            error: AgentError.exchangeFailed(agent: "a", error: .invalidClient(code: 7000215, message: "bad secret")), status: 502,
            code: "invalid_client"),
        .init(
            error: AgentError.exchangeFailed(agent: "a", error: .invalidGrant(code: 50013, message: "expired")), status: 403, code: "invalid_grant"),
        .init(error: AgentError.connector(.notPermitted(connector: "servicenow", message: "ACL")), status: 403, code: "not_permitted"),
        .init(error: AgentError.connector(.invalidArguments(tool: "t", problem: "p")), status: 400, code: "invalid_arguments"),
        .init(error: AgentError.connector(.throttled(connector: "sn", retryAfter: 3)), status: 429, code: "throttled", retryAfter: true),
        .init(error: AgentError.connector(.unavailable(connector: "sn", reason: "down")), status: 503, code: "downstream_unavailable"),
        .init(error: AgentError.connector(.downstream(connector: "sn", status: 500, message: "boom")), status: 502, code: "downstream_error"),
        .init(error: AgentError.timedOut(agent: "itsm", after: .seconds(30)), status: 504, code: "hop_timeout"),
        .init(error: AgentError.auditFailed(reason: "disk full"), status: 503, code: "audit_failed", retryAfter: true),
        .init(error: AgentError.connector(.auditFailed(reason: "disk full")), status: 503, code: "audit_failed", retryAfter: true),
        .init(error: AgentError.stepLimit(agent: "itsm", steps: 8), status: 500, code: "step_limit"),
        .init(error: LedgerError.writeFailed("disk full"), status: 503, code: "ledger_write_failed", retryAfter: true),
        .init(error: LedgerError.readFailed("io"), status: 503, code: "ledger_read_failed", retryAfter: true),
        .init(error: LedgerError.malformedRecord("bad"), status: 500, code: "ledger_malformed_record"),
        .init(error: VaultError.storage("io"), status: 503, code: "vault_storage", retryAfter: true),
        .init(error: StorageError.openFailed(path: "/d", reason: "io"), status: 503, code: "storage_open_failed", retryAfter: true),
        .init(error: HTTPError(.contentTooLarge, message: "too big"), status: 413, code: "content_too_large"),
        .init(error: HTTPError(.badRequest, message: "bad"), status: 400, code: "bad_request"),
    ]

    @Test("each error has its status, its stable code and its headers", arguments: examples)
    func mapping(_ example: Example) {
        let mapped = ErrorResponse(example.error)
        #expect(Int(mapped.status.code) == example.status)
        #expect(mapped.body.error.code == example.code)
        #expect((mapped.headers[.retryAfter] != nil) == example.retryAfter)
        if let challenge = example.challenge {
            #expect(mapped.headers[.wwwAuthenticate]?.contains(challenge) == true)
        }
    }

    @Test("no server-side failure is answered with a 4xx")
    func serverFailuresAre5xx() {
        let serverSide: [any Error] = [
            LedgerError.writeFailed("x"), LedgerError.closed, VaultError.locked(path: "p"), StorageError.openFailed(path: "p", reason: "r"),
            AgentError.auditFailed(reason: "x"), ExchangeError.unavailable(reason: "x"), ExchangeError.notRecorded(reason: "x"),
        ]
        for error in serverSide { #expect(ErrorResponse(error).status.code >= 500, "\(error)") }
    }

    @Test("an unknown error is a 500 that reveals nothing")
    func unknownError() {
        struct Secretive: Error { let token = "eyJhbGciOi.secret.token" }
        let mapped = ErrorResponse(Secretive())
        #expect(mapped.status == .internalServerError && mapped.body.error.code == "internal")
        #expect(!mapped.body.error.message.contains("eyJ"))
    }
}
