import BatonAgentCore
import BatonAgents
import BatonCore
import BatonIdentity
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
    let sessions: FederationSessions

    func register(on router: Router<BatonRequestContext>) {
        router.post("\(Self.prefix)/identities/:operation") { request, context -> Response in
            try await answer(request, operation: try context.parameters.require("operation"))
        }
        router.post("\(Self.prefix)/identities/oauth2/token") { request, _ -> Response in
            try await answer(request, operation: "GetResourceOauth2Token")
        }
        router.post("\(Self.prefix)/identities/api-key") { request, _ -> Response in
            try await answer(request, operation: "GetResourceApiKey")
        }
    }

    private func answer(_ request: Request, operation: String) async throws -> Response {
        do {
            return try await handle(request, operation: operation)
        } catch let error as AgentCoreError {
            return error.response
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
        let workload: WorkloadDefinition
        do {
            workload = try authenticate(request, body: bytes)
        } catch {
            await recordForgery(carrying: bytes, code: "signature_invalid")
            throw error
        }
        guard let input = try? JSONValue(parsing: bytes).objectValue ?? (bytes.isEmpty ? [:] : nil),
            let fields = try? JSONFields(.object(input), path: "")
        else { throw AgentCoreError.validation("the body must be a JSON object") }
        switch operation {
        case "GetWorkloadAccessToken":
            try requireOwn(fields, workload)
            let tokens = try await runtime().workloadTokens
            return Self.answer(["workloadAccessToken": .string(await tokens.issue(for: workload.name, user: nil, userToken: nil).revealed)])
        case "GetWorkloadAccessTokenForJWT":
            try requireOwn(fields, workload)
            let userToken = Secret(try Self.string(fields, "userToken"))
            let runtime = try await runtime()
            let caller: VerifiedCaller
            do throws(AgentError) {
                caller = try await runtime.caller(of: workload.agent, token: userToken)
            } catch {
                throw AgentCoreError.accessDenied("the user token was refused for \(workload.agent): \(error.description)")
            }
            let token = await runtime.workloadTokens.issue(
                for: workload.name, user: caller.principal.chainUser, userToken: userToken, userTokenExpires: caller.expires)
            return Self.answer(["workloadAccessToken": .string(token.revealed)])
        case "GetResourceOauth2Token":
            return try await resourceToken(fields, workload)
        case "GetResourceApiKey":
            return try await apiKey(fields, workload)
        case "CompleteResourceTokenAuth":
            return try await completeSession(fields, workload)
        case "GetWorkloadAccessTokenForUserId":
            throw AgentCoreError.accessDenied(
                "Baton binds a workload to a user only by the user's own token (GetWorkloadAccessTokenForJWT): a user id proves nothing to exchange")
        default:
            throw AgentCoreError.validation("\(operation) is not an operation of the AgentCore Identity data plane")
        }
    }

    /// `GetResourceOauth2Token`: the workload access token must be this workload's and
    /// current, the provider one it may use, the flow one the provider allows, and the
    /// scopes' resource one the provider may exchange for. On-Behalf-Of goes through the
    /// broker (vault, single flight) as the workload's agent and is recorded as a chain of
    /// the user's; refusals that concern a known user are recorded as `deny`.
    private func resourceToken(_ fields: JSONFields, _ workload: WorkloadDefinition) async throws -> Response {
        let flow = try Self.string(fields, "oauth2Flow")
        let scopes = (try? fields.strings(ifPresent: "scopes")) ?? nil
        guard let scopes, !scopes.isEmpty else { throw AgentCoreError.validation("1 validation error detected: scopes is required") }
        let runtime = try await runtime()
        let (grant, provider, refuse) = try await credentialProvider(fields, workload, runtime: runtime)
        let providerName = provider.name
        guard provider.apiKey == nil else {
            throw await refuse("flow_not_allowed", .validation("'\(providerName)' is an API key provider: ask with GetResourceApiKey"))
        }
        guard provider.flows.contains(flow) else {
            throw await refuse("flow_not_allowed", .validation("the credential provider '\(providerName)' does not allow the flow \(flow)"))
        }
        let (resource, names) = try Self.resource(of: scopes, resources: (try? fields.strings(ifPresent: "resources")) ?? nil)
        guard provider.resources.contains(resource) else {
            throw await refuse(
                "resource_not_allowed", .accessDenied("the credential provider '\(providerName)' may not exchange for \(resource)"))
        }
        switch flow {
        case "ON_BEHALF_OF_TOKEN_EXCHANGE":
            return try await onBehalfOf(
                grant: grant, presented: try presented(fields), workload: workload, provider: providerName, resource: resource, scopes: names,
                runtime: runtime)
        case "M2M":
            do throws(AgentError) {
                let token = try await runtime.appToken(
                    as: workload.agent, for: resource, user: grant.user, inHopAt: grant.position, target: providerName,
                    operation: "agentcore GetResourceOauth2Token M2M")
                return Self.answer(["accessToken": .string(token.revealed)])
            } catch {
                throw Self.refusal(error)
            }
        case "USER_FEDERATION":
            return try await userFederation(
                fields, grant: grant, presented: try presented(fields), workload: workload, provider: providerName, resource: resource,
                scopes: ScopeSet(names), runtime: runtime)
        default:
            throw AgentCoreError.validation("the flow \(flow) is not one of ON_BEHALF_OF_TOKEN_EXCHANGE, M2M, USER_FEDERATION")
        }
    }

    // MARK: - USER_FEDERATION

    /// `USER_FEDERATION`: a token the user granted before (unless `forceAuthentication`);
    /// else, with a `sessionUri`, that session's token once the user signed in (and the app
    /// bound the session with `CompleteResourceTokenAuth` when it named a return URL); else
    /// a new session and the IdP's authorization URL (code flow with PKCE, to Baton's callback).
    private func userFederation(
        _ fields: JSONFields, grant: WorkloadTokens.Grant, presented: Secret, workload: WorkloadDefinition, provider: String, resource: String,
        scopes: ScopeSet, runtime: AgentRuntime
    ) async throws -> Response {
        guard let user = grant.user else {
            throw AgentCoreError.validation("USER_FEDERATION needs a workload access token issued for a user (GetWorkloadAccessTokenForJWT)")
        }
        if let uri = try? fields.string(ifPresent: "sessionUri") ?? nil {
            guard let session = await sessions.session(uri: uri), session.workload == workload.name, session.provider == provider,
                session.user.isSameUser(as: user)
            else { throw AgentCoreError.notFound("no authorization session \(uri) of this workload, provider and user (it may have expired)") }
            switch session.status {
            case .complete(let token):
                await runtime.workloadTokens.register(downstream: token.accessToken, resource: session.resource, under: presented)
                return Self.answer(["accessToken": .string(token.accessToken.revealed), "sessionUri": .string(uri)])
            case .failed:
                return Self.answer(["sessionUri": .string(uri), "sessionStatus": "FAILED"])
            case .awaitingUser, .awaitingCompletion, .redeeming, .completing:
                return Self.answer(["sessionUri": .string(uri), "sessionStatus": "IN_PROGRESS"])
            }
        }
        let force = (try? fields.bool(ifPresent: "forceAuthentication")) ?? nil
        if force != true,
            let token = await sessions.granted(workload: workload.name, provider: provider, user: user, resource: resource, scopes: scopes)
        {
            // Handed out again: recorded again (from memory), before it leaves.
            do throws(AgentError) {
                try await runtime.recordIssued(
                    token.accessToken, as: workload.agent, user: user, inHopAt: grant.position, target: provider,
                    operation: Self.federationOperation, source: .hot)
            } catch {
                throw Self.refusal(error)
            }
            await runtime.workloadTokens.register(downstream: token.accessToken, resource: resource, under: presented)
            return Self.answer(["accessToken": .string(token.accessToken.revealed)])
        }
        guard let base = await system.publicBase(), let client = runtime.exchangeClient(of: workload.agent, tenant: user.tenantID) else {
            throw AgentCoreError.internalError("the daemon does not know its own URL yet, or the agent has no credential")
        }
        let returnURL = try? fields.string(ifPresent: "resourceOauth2ReturnUrl") ?? nil
        // Only a return URL registered for the workload receives the user's browser (and the session id).
        if let returnURL, !workload.returnURLs.contains(returnURL) {
            throw AgentCoreError.validation("resourceOauth2ReturnUrl \(returnURL) is not one of workload '\(workload.name)''s return_urls")
        }
        let (verifier, challenge) = AuthorizationCodeRedemption.pkce()
        let session = await sessions.open(
            workload: workload.name, agent: workload.agent, provider: provider, resource: resource, scopes: scopes, user: user,
            position: grant.position, verifier: verifier, redirectURI: "\(base)/\(Self.callbackPath)", returnURL: returnURL,
            customState: try? fields.string(ifPresent: "customState") ?? nil, client: client)
        return Self.answer([
            "authorizationUrl": .string(Self.authorizationURL(for: session, challenge: challenge)), "sessionUri": .string(session.uri),
            "sessionStatus": "IN_PROGRESS",
        ])
    }

    static let callbackPath = "\(prefix)/oauth2/callback"
    static let federationOperation = "agentcore GetResourceOauth2Token USER_FEDERATION"

    /// The IdP's authorization endpoint (the agent's token endpoint's sibling) with the
    /// code flow's parameters, PKCE `S256`, and the user as the login hint.
    static func authorizationURL(for session: FederationSessions.Session, challenge: String) -> String {
        let endpoint =
            session.client.tokenEndpoint.hasSuffix("/token")
            ? String(session.client.tokenEndpoint.dropLast("/token".count)) + "/authorize" : session.client.tokenEndpoint
        var components = URLComponents(string: endpoint)
        let scope = session.scopes.scopes.map { "\(session.resource)/\($0)" }.joined(separator: " ")
        components?.queryItems =
            [
                URLQueryItem(name: "client_id", value: session.client.clientID), URLQueryItem(name: "response_type", value: "code"),
                URLQueryItem(name: "redirect_uri", value: session.redirectURI), URLQueryItem(name: "scope", value: scope),
                URLQueryItem(name: "state", value: session.state), URLQueryItem(name: "code_challenge", value: challenge),
                URLQueryItem(name: "code_challenge_method", value: "S256"), URLQueryItem(name: "response_mode", value: "query"),
            ] + (session.user.username.map { [URLQueryItem(name: "login_hint", value: $0)] } ?? [])
        return components?.string ?? endpoint
    }

    /// `CompleteResourceTokenAuth`: the app, called back at its return URL, binds the
    /// session to the user whose token it holds — it must be the user who signed in.
    private func completeSession(_ fields: JSONFields, _ workload: WorkloadDefinition) async throws -> Response {
        let uri = try Self.string(fields, "sessionUri")
        let runtime = try await runtime()
        guard let userToken = fields.value(ifPresent: "userIdentifier")?.objectValue?["userToken"]?.stringValue else {
            throw AgentCoreError.accessDenied("Baton binds a session only to a user's token (userIdentifier.userToken): a user id proves nothing")
        }
        guard await sessions.session(uri: uri)?.workload == workload.name else {
            throw AgentCoreError.notFound("no authorization session \(uri) of workload '\(workload.name)' (it may have expired)")
        }
        // Taken at once: a second call for the same session finds it busy or done.
        guard let (session, token) = await sessions.claimCompletion(uri: uri, workload: workload.name) else {
            throw AgentCoreError.validation("the session \(uri) is not waiting to be completed (the user has not signed in, or it is done)")
        }
        let caller: VerifiedCaller
        do throws(AgentError) {
            caller = try await runtime.caller(of: workload.agent, token: Secret(userToken))
        } catch {
            await sessions.update(uri, to: .awaitingCompletion(token))
            throw AgentCoreError.accessDenied("the user token was refused for \(workload.agent): \(error.description)")
        }
        guard caller.principal.chainUser.isSameUser(as: session.user) else {
            await runtime.recordDenial(
                at: workload.agent, user: session.user, target: session.provider, reason: "federation_user_mismatch", inHopAt: session.position)
            await sessions.update(uri, to: .failed("another user completed the session"))
            throw AgentCoreError.accessDenied("the session was started for another user")
        }
        do {
            try await Self.grant(token, for: session, runtime: runtime, sessions: sessions)
        } catch {
            await sessions.update(uri, to: .awaitingCompletion(token))
            throw error
        }
        return Self.answer([:])
    }

    /// Records the token the user granted (its fingerprint, in the session's chain) and
    /// releases it to the session's polls: durable before it can be handed out.
    static func grant(_ token: ExchangedToken, for session: FederationSessions.Session, runtime: AgentRuntime, sessions: FederationSessions)
        async throws
    {
        do throws(AgentError) {
            try await runtime.recordIssued(
                token.accessToken, as: session.agent, user: session.user, inHopAt: session.position, target: session.provider,
                operation: federationOperation, source: .identityProvider)
        } catch {
            throw refusal(error)
        }
        await sessions.update(session.uri, to: .complete(token))
    }

    /// The workload token's current grant (a late or another workload's token refused, and
    /// recorded against its user), and the credential provider it asks for, which the
    /// workload must be allowed; with the function that refuses and records later checks.
    private func credentialProvider(_ fields: JSONFields, _ workload: WorkloadDefinition, runtime: AgentRuntime) async throws -> (
        WorkloadTokens.Grant, WorkloadDefinition.CredentialProvider, @Sendable (String, AgentCoreError) async -> AgentCoreError
    ) {
        let token = try presented(fields)
        let providerName = try Self.string(fields, "resourceCredentialProviderName")
        let grant: WorkloadTokens.Grant
        switch await runtime.workloadTokens.lookup(token) {
        case .current(let current):
            grant = current
        case .ended(let ended):
            // A late use of a real token is its user's denial.
            if let user = ended.user {
                await runtime.recordDenial(
                    at: workload.agent, user: user, target: providerName, reason: "workload_token_expired", inHopAt: ended.position)
            }
            throw AgentCoreError.unauthorized("the workload access token has expired (or its hop is over): ask for a new one")
        case .unknown:
            throw AgentCoreError.unauthorized("the workload access token is not valid: unknown, or expired (ask for a new one)")
        }
        let refuse: @Sendable (String, AgentCoreError) async -> AgentCoreError = { reason, error in
            if let user = grant.user {
                await runtime.recordDenial(at: workload.agent, user: user, target: providerName, reason: reason, inHopAt: grant.position)
            }
            return error
        }
        guard grant.workload == workload.name else {
            throw await refuse(
                "workload_token_mismatch", .accessDenied("the workload access token was issued to another workload, not '\(workload.name)'"))
        }
        guard let provider = workload.credentialProviders[providerName] else {
            throw await refuse(
                "provider_not_allowed", .accessDenied("workload '\(workload.name)' may not use the credential provider '\(providerName)'"))
        }
        return (grant, provider, refuse)
    }

    /// `GetResourceApiKey`: the provider's key, for a current workload token of this
    /// workload; recorded (its fingerprint, never the key) as an `exchange` of the token's
    /// user, or app-only.
    private func apiKey(_ fields: JSONFields, _ workload: WorkloadDefinition) async throws -> Response {
        let runtime = try await runtime()
        let (grant, provider, refuse) = try await credentialProvider(fields, workload, runtime: runtime)
        guard let key = provider.apiKey else {
            throw await refuse("flow_not_allowed", .validation("'\(provider.name)' is an OAuth2 provider: ask with GetResourceOauth2Token"))
        }
        do throws(AgentError) {
            // The ledger fails closed: no record, no key.
            try await runtime.recordIssued(
                key, as: workload.agent, user: grant.user, inHopAt: grant.position, target: provider.name, operation: "agentcore GetResourceApiKey")
        } catch {
            throw Self.refusal(error)
        }
        return Self.answer(["apiKey": .string(key.revealed)])
    }

    private func presented(_ fields: JSONFields) throws -> Secret {
        Secret(try Self.string(fields, "workloadIdentityToken"))
    }

    /// On-Behalf-Of through the broker (vault, single flight) as the workload's agent, in
    /// the hop's chain when Baton runs the app, else as a chain of the user's.
    private func onBehalfOf(
        grant: WorkloadTokens.Grant, presented: Secret, workload: WorkloadDefinition, provider providerName: String, resource: String,
        scopes names: [String], runtime: AgentRuntime
    ) async throws -> Response {
        guard let userToken = grant.userToken else {
            throw AgentCoreError.validation(
                "ON_BEHALF_OF_TOKEN_EXCHANGE needs a workload access token issued for a user's token (GetWorkloadAccessTokenForJWT)")
        }
        do throws(AgentError) {
            let (token, _) = try await runtime.exchangedToken(
                as: workload.agent, userToken: userToken, inHopAt: grant.position, user: grant.user, for: resource, scopes: ScopeSet(names),
                target: providerName,
                operation: "agentcore GetResourceOauth2Token")
            // A token for a hop Baton runs may be used through Baton's downstream gateway.
            await runtime.workloadTokens.register(downstream: token, resource: resource, under: presented)
            return Self.answer(["accessToken": .string(token.revealed)])
        } catch {
            throw Self.refusal(error)
        }
    }

    /// The AWS error for a runtime's refusal of a token request.
    static func refusal(_ error: AgentError) -> AgentCoreError {
        switch error {
        case .tokenRejected(_, let rejection):
            .unauthorized("the user's token behind the workload access token is no longer valid: \(rejection.description)")
        case .auditFailed(let reason):
            .internalError("the ledger could not record the token request, so it was not made (\(reason))")
        default:
            .accessDenied("the token request was refused: \(error.description)")
        }
    }

    /// The resource and scope names of `scopes`: full scope URIs on one resource
    /// (`api://servicenow/user_impersonation`), or plain names on the one resource of `resources`.
    static func resource(of scopes: [String], resources: [String]?) throws -> (String, [String]) {
        if let resources, !resources.isEmpty {
            guard resources.count == 1 else { throw AgentCoreError.validation("ask for one resource at a time") }
            return (resources[0], scopes)
        }
        var resource: String?
        var names: [String] = []
        for scope in scopes {
            guard let slash = scope.lastIndex(of: "/"), scope[..<slash].contains("://") else {
                throw AgentCoreError.validation("scope '\(scope)' does not name its resource (api://app/scope), and no resources were given")
            }
            let owner = String(scope[..<slash])
            guard resource == nil || resource == owner else { throw AgentCoreError.validation("the scopes name more than one resource") }
            resource = owner
            names.append(String(scope[scope.index(after: slash)...]))
        }
        return (resource!, names)
    }

    /// The agent runtime, or AWS's internal error while the agents cannot run yet.
    private func runtime() async throws -> AgentRuntime {
        do {
            return try await system.runtime()
        } catch {
            throw AgentCoreError.internalError("the agents cannot run yet: \(error)")
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

    /// A request whose signature failed but which carries a current workload access token
    /// bound to a user: someone holds that user's token without the workload's key, which
    /// is recorded as the user's denial (the token itself is not trusted for anything else).
    private func recordForgery(carrying body: [UInt8], code: String) async {
        guard let token = (try? JSONValue(parsing: body))?.objectValue?["workloadIdentityToken"]?.stringValue,
            let runtime = try? await system.runtime(), let grant = await runtime.workloadTokens.grant(Secret(token)), let user = grant.user,
            let agent = workloads.workloads[grant.workload]?.agent
        else { return }
        await runtime.recordDenial(at: agent, user: user, target: grant.workload, reason: code, inHopAt: grant.position)
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
