import BatonAgentCore
import BatonAgents
import BatonCore
import Foundation
internal import HTTPTypes
import Hummingbird

/// The AgentCore Identity data plane (`bedrock-agentcore`, rest-json, SigV4) under
/// `/agentcore`: point `BEDROCK_AGENTCORE_DP_ENDPOINT` at `{base}/agentcore` and the
/// bedrock-agentcore SDK's `IdentityClient` talks to Baton.
///
/// Every request is SigV4-signed with one of a workload's access keys
/// (``WorkloadDefinition``), and a workload asks only for its own tokens.
/// `GetWorkloadAccessTokenForJWT` verifies the user's token exactly as the workload's
/// agent verifies an inbound one, and binds the issued workload access token to that user.
struct AgentCoreIdentityRoutes {
    static let prefix = "agentcore"
    static let maximumBody = 256 * 1024

    let system: AgentSystem
    let workloads: WorkloadCatalog
    let verifier: SigV4Verifier
    let tokens: WorkloadTokens

    func register(on router: Router<BatonRequestContext>) {
        router.post("\(Self.prefix)/identities/:operation") { request, context -> Response in
            let operation = try context.parameters.require("operation")
            do {
                return try await handle(request, operation: operation)
            } catch let error as AgentCoreError {
                return error.response
            }
        }
    }

    private func handle(_ request: Request, operation: String) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumBody)
        } catch {
            throw AgentCoreError.validation("the request body is larger than \(Self.maximumBody) bytes")
        }
        let bytes = Array(body.readableBytesView)
        let workload = try authenticate(request, body: bytes)
        guard let input = try? JSONValue(parsing: bytes).objectValue ?? (bytes.isEmpty ? [:] : nil),
            let fields = try? JSONFields(.object(input), path: "")
        else { throw AgentCoreError.validation("the body must be a JSON object") }
        switch operation {
        case "GetWorkloadAccessToken":
            try requireOwn(fields, workload)
            return Self.answer(["workloadAccessToken": .string(await tokens.issue(for: workload.name, user: nil, userToken: nil).revealed)])
        case "GetWorkloadAccessTokenForJWT":
            try requireOwn(fields, workload)
            let userToken = Secret(try Self.string(fields, "userToken"))
            let runtime: AgentRuntime
            do {
                runtime = try await system.runtime()
            } catch {
                throw AgentCoreError.internalError("the agents cannot run yet: \(error)")
            }
            let caller: VerifiedCaller
            do throws(AgentError) {
                caller = try await runtime.caller(of: workload.agent, token: userToken)
            } catch {
                throw AgentCoreError.accessDenied("the user token was refused for \(workload.agent): \(error.description)")
            }
            let token = await tokens.issue(for: workload.name, user: caller.principal.chainUser, userToken: userToken)
            return Self.answer(["workloadAccessToken": .string(token.revealed)])
        case "GetWorkloadAccessTokenForUserId":
            throw AgentCoreError.accessDenied(
                "Baton binds a workload to a user only by the user's own token (GetWorkloadAccessTokenForJWT): a user id proves nothing to exchange")
        default:
            throw AgentCoreError.validation("the operation \(operation) is not served by this data plane yet")
        }
    }

    /// The workload whose access key signed the request.
    private func authenticate(_ request: Request, body: [UInt8]) throws -> WorkloadDefinition {
        var headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        // HTTP/1's Host header arrives as the request's authority.
        if let authority = request.head.authority { headers.append((name: "host", value: authority)) }
        let signed = SigV4Request(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", headers: headers, body: body)
        let key: String
        do throws(SigV4Error) {
            key = try verifier.verify(signed)
        } catch {
            throw AgentCoreError(error)
        }
        guard let owner = workloads.owner(ofAccessKey: key), let workload = workloads.workloads[owner.workload] else {
            throw AgentCoreError(SigV4Error.unknownAccessKey)
        }
        return workload
    }

    /// `workloadName` must be the signing workload's own.
    private func requireOwn(_ fields: JSONFields, _ workload: WorkloadDefinition) throws {
        let name = try Self.string(fields, "workloadName")
        guard workloads.workloads[name] != nil else { throw AgentCoreError.notFound("no workload identity is named '\(name)'") }
        guard name == workload.name else {
            throw AgentCoreError.accessDenied("the credentials of workload '\(workload.name)' cannot get tokens for workload '\(name)'")
        }
    }

    private static func string(_ fields: JSONFields, _ key: String) throws -> String {
        do throws(JSONShapeError) {
            let value = try fields.string(key)
            guard !value.isEmpty else { throw JSONShapeError(path: key, problem: .missing) }
            return value
        } catch {
            throw AgentCoreError.validation("1 validation error detected: \(error.description)")
        }
    }

    private static func answer(_ object: JSONObject) -> Response {
        HealthRoutes.json(.ok, bytes: JSONValue.object(object).serialized)
    }
}
