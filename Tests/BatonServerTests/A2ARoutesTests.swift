import BatonA2A
import BatonCore
import BatonDevKit
import BatonIdentity
import BatonLedger
import BatonTestSupport
import Crypto
import Foundation
import Logging
import Testing

@testable import BatonServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("A2A 1.0 over HTTP: cards, JSON-RPC errors, task ownership and persistence")
struct A2ARoutesTests {
    /// A JSON-RPC call to `/a2a/{agent}`; `version` nil leaves the A2A-Version header out.
    static func call(
        _ base: String, agent: String = "concierge", token: String?, body: Data, version: String? = "1.0"
    ) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: "\(base)/a2a/\(agent)")!, timeoutInterval: 30)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let version { request.setValue(version, forHTTPHeaderField: "A2A-Version") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = body
        return try await httpRequest(request)
    }

    static func call(_ base: String, token: String?, method: String, params: [String: Any], version: String? = "1.0") async throws -> HTTPResult {
        let body = try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": "t-1", "method": method, "params": params])
        return try await call(base, token: token, body: body, version: version)
    }

    static func send(_ base: String, token: String, text: String) async throws -> [String: Any] {
        let result = try await call(
            base, token: token, method: "SendMessage",
            params: ["message": ["messageId": UUID().uuidString, "role": "ROLE_USER", "parts": [["text": text]]]])
        #expect(result.status == 200)
        return try #require((result.json["result"] as? [String: Any])?["task"] as? [String: Any], "\(result.body)")
    }

    /// An HTTP+JSON call: `method {base}/a2a/concierge/{path}`.
    static func rest(_ base: String, _ method: String, _ path: String, token: String?, body: Data? = nil, version: String? = "1.0") async throws
        -> HTTPResult
    {
        var request = URLRequest(url: URL(string: "\(base)/a2a/concierge/\(path)")!, timeoutInterval: 30)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let version { request.setValue(version, forHTTPHeaderField: "A2A-Version") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = body
        return try await httpRequest(request)
    }

    /// An HTTP+JSON error's `google.rpc.Status` name and its `ErrorInfo` reason.
    static func status(_ result: HTTPResult) -> (String?, String?) {
        let error = result.json["error"] as? [String: Any]
        let info = (error?["details"] as? [[String: Any]])?.first { $0["@type"] as? String == "type.googleapis.com/google.rpc.ErrorInfo" }
        return (error?["status"] as? String, info?["reason"] as? String)
    }

    @Test(
        "the HTTP+JSON binding: a message is sent and its task read back; each bad request gets the HTTP status, google.rpc.Status and ErrorInfo reason A2A names"
    )
    func httpJSONBinding() async throws {
        try await AgentRoutesTests.withDaemon { sn, base in
            let jane = try await sn.idp.signIn()
            let message = try JSONSerialization.data(withJSONObject: [
                "message": ["messageId": "r-1", "role": "ROLE_USER", "parts": [["text": "Show me 5 incidents assigned to me"]]]
            ])
            let sent = try await Self.rest(base, "POST", "message:send", token: jane, body: message)
            let task = try #require(sent.json["task"] as? [String: Any], "\(sent.status) \(sent.body)")
            #expect((task["status"] as? [String: Any])?["state"] as? String == "TASK_STATE_COMPLETED")
            let id = try #require(task["id"] as? String)
            let read = try await Self.rest(base, "GET", "tasks/\(id)?historyLength=1", token: jane)
            #expect(read.status == 200 && read.json["id"] as? String == id && (read.json["history"] as? [Any])?.count == 1, "\(read.body)")
            let listed = try await Self.rest(base, "GET", "tasks?pageSize=1&includeArtifacts=true", token: jane)
            #expect(((listed.json["tasks"] as? [[String: Any]])?.first?["artifacts"] as? [Any]) != nil, "\(listed.body)")

            let cases: [(String, String, String, Data?, String?, Int, String, String)] = [
                ("an unknown task", "GET", "tasks/no-such-task", nil, "1.0", 404, "NOT_FOUND", "TASK_NOT_FOUND"),
                ("a cancel of a finished task", "POST", "tasks/\(id):cancel", nil, "1.0", 400, "FAILED_PRECONDITION", "TASK_NOT_CANCELABLE"),
                (
                    "a subscription to a finished task", "POST", "tasks/\(id):subscribe", nil, "1.0", 400, "FAILED_PRECONDITION",
                    "UNSUPPORTED_OPERATION"
                ),
                ("a page size that is no number", "GET", "tasks?pageSize=many", nil, "1.0", 400, "INVALID_ARGUMENT", "INVALID_PARAMS"),
                ("a body that is not JSON", "POST", "message:send", Data("{not json".utf8), "1.0", 400, "INVALID_ARGUMENT", "PARSE_ERROR"),
                (
                    "a message without its id", "POST", "message:send", Data(#"{"message":{"role":"ROLE_USER","parts":[{"text":"hi"}]}}"#.utf8),
                    "1.0", 400, "INVALID_ARGUMENT", "INVALID_PARAMS"
                ),
                ("an unknown route", "GET", "tasks/\(id)/nothing", nil, "1.0", 404, "NOT_FOUND", "METHOD_NOT_FOUND"),
                (
                    "push notifications", "POST", "tasks/\(id)/pushNotificationConfigs", Data("{}".utf8), "1.0", 400, "FAILED_PRECONDITION",
                    "PUSH_NOTIFICATION_NOT_SUPPORTED"
                ),
                ("no A2A-Version (0.3)", "GET", "tasks/\(id)", nil, nil, 400, "FAILED_PRECONDITION", "VERSION_NOT_SUPPORTED"),
            ]
            for (name, method, path, body, version, status, code, reason) in cases {
                let result = try await Self.rest(base, method, path, token: jane, body: body, version: version)
                #expect(result.status == status, "\(name): HTTP \(result.status) \(result.body)")
                let (statusName, errorReason) = Self.status(result)
                #expect(statusName == code && errorReason == reason, "\(name): \(result.body)")
                #expect(((result.json["error"] as? [String: Any])?["code"] as? Int) == status, "\(name): the status's code is the HTTP status")
            }
            #expect(try await Self.rest(base, "GET", "tasks/\(id)", token: nil).status == 401)
            let harriet = try await sn.idp.signIn("harriet@contoso.com")
            #expect(try await Self.rest(base, "GET", "tasks/\(id)", token: harriet).status == 404, "another user's task is not found")
        }
    }

    @Test("a claims challenge at a hop ends the task AUTH_REQUIRED with the claims, and the HTTP answer keeps the WWW-Authenticate challenge")
    func claimsChallenge() async throws {
        try await AgentRoutesTests.withDaemon { sn, base in
            let mallory = try await sn.idp.signIn("mallory@contoso.com")
            let result = try await Self.call(
                base, token: mallory, method: "SendMessage",
                params: ["message": ["messageId": "m-mfa", "role": "ROLE_USER", "parts": [["text": "Show me my incidents"]]]])
            #expect(result.status == 200, "\(result.body)")
            let status = try #require(((result.json["result"] as? [String: Any])?["task"] as? [String: Any])?["status"] as? [String: Any])
            #expect(status["state"] as? String == "TASK_STATE_AUTH_REQUIRED", "\(status)")
            let claims = ((status["message"] as? [String: Any])?["metadata"] as? [String: Any])?["claims"] as? String
            #expect(claims?.isEmpty == false, "\(status)")
            let challenge = try #require(result.headers["www-authenticate"], "the challenge header is kept: \(result.headers)")
            #expect(challenge.contains("insufficient_claims") && challenge.contains("claims="), "\(challenge)")
        }
    }

    static func errorCode(_ result: HTTPResult) -> Int? {
        (result.json["error"] as? [String: Any])?["code"] as? Int
    }

    @Test("each agent has a card naming its JSON-RPC URL, the issuer's OpenID Connect metadata and its own scopes")
    func cards() async throws {
        try await AgentRoutesTests.withDaemon { sn, base in
            let front = try await httpGet("\(base)/.well-known/agent-card.json")
            #expect(front.status == 200)
            #expect(front.json["name"] as? String == "concierge")
            let interface = try #require((front.json["supportedInterfaces"] as? [[String: Any]])?.first)
            #expect(interface["url"] as? String == "\(base)/a2a/concierge")
            #expect(interface["protocolBinding"] as? String == "JSONRPC" && interface["protocolVersion"] as? String == "1.0")
            let scheme = try #require(
                ((front.json["securitySchemes"] as? [String: Any])?["entra"] as? [String: Any])?["openIdConnectSecurityScheme"] as? [String: Any])
            #expect(scheme["openIdConnectUrl"] as? String == "\(sn.idp.base)/\(sn.idp.tenant.id)/v2.0/.well-known/openid-configuration")
            let requirement = try #require((front.json["securityRequirements"] as? [[String: Any]])?.first?["schemes"] as? [String: Any])
            #expect((requirement["entra"] as? [String: Any])?["list"] as? [String] == ["api://concierge/access_as_user"])
            let capabilities = try #require(front.json["capabilities"] as? [String: Any])
            #expect(capabilities["streaming"] as? Bool == true)
            let chainExtension = try #require((capabilities["extensions"] as? [[String: Any]])?.first)
            #expect(chainExtension["uri"] as? String == "https://baton.dev/a2a/extensions/delegation-chain/v1")
            let keysURL = try #require((chainExtension["params"] as? [String: Any])?["jwks_uri"] as? String)
            #expect(keysURL == "\(base)/.well-known/baton-keys.json")
            let key = try #require((try await httpGet(keysURL).json["keys"] as? [[String: Any]])?.first)
            #expect(key["kty"] as? String == "OKP" && key["crv"] as? String == "Ed25519" && key["alg"] as? String == "EdDSA")
            #expect(key["d"] == nil, "only the public half is published")

            let triage = try await httpGet("\(base)/a2a/triage/.well-known/agent-card.json")
            #expect(triage.json["name"] as? String == "triage")
            #expect(try await httpGet("\(base)/a2a/ghost/.well-known/agent-card.json").status == 404)

            let extended = try await Self.call(base, token: try await sn.idp.signIn(), method: "GetExtendedAgentCard", params: [:])
            let skills = ((extended.json["result"] as? [String: Any])?["skills"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
            #expect(skills.contains("delegate:triage"), "\(extended.body)")
        }
    }

    @Test("bad input of every kind gets the JSON-RPC or A2A error the spec names, over HTTP 200, and stores no task")
    func badInput() async throws {
        try await AgentRoutesTests.withDaemon { sn, base in
            let jane = try await sn.idp.signIn()
            let message: [String: Any] = ["messageId": "m-1", "role": "ROLE_USER", "parts": [["text": "Show me 5 incidents assigned to me"]]]
            let cases: [(String, Data, String?, Int)] = [
                ("not JSON", Data("{not json".utf8), "1.0", -32700),
                ("a batch", Data("[1]".utf8), "1.0", -32600),
                ("no jsonrpc member", Data(#"{"id":1,"method":"GetTask","params":{}}"#.utf8), "1.0", -32600),
                ("params not an object", Data(#"{"jsonrpc":"2.0","id":1,"method":"GetTask","params":[1]}"#.utf8), "1.0", -32600),
                ("an unknown method", try Self.body("tasks/get", ["id": "x"]), "1.0", -32601),
                (
                    "a message without its id", try Self.body("SendMessage", ["message": ["role": "ROLE_USER", "parts": [["text": "hi"]]]]), "1.0",
                    -32602
                ),
                (
                    "a message from the agent's side", try Self.body("SendMessage", ["message": message.merging(["role": "ROLE_AGENT"]) { $1 }]),
                    "1.0", -32602
                ),
                ("an unknown role", try Self.body("SendMessage", ["message": message.merging(["role": "user"]) { $1 }]), "1.0", -32602),
                (
                    "a part with two contents",
                    try Self.body("SendMessage", ["message": message.merging(["parts": [["text": "a", "url": "b"]]]) { $1 }]), "1.0", -32602
                ),
                (
                    "no text to act on", try Self.body("SendMessage", ["message": message.merging(["parts": [["url": "https://x"]]]) { $1 }]), "1.0",
                    -32005
                ),
                ("an unknown task id", try Self.body("GetTask", ["id": "no-such-task"]), "1.0", -32001),
                ("a subscription to an unknown task", try Self.body("SubscribeToTask", ["id": "no-such-task"]), "1.0", -32001),
                ("a cancel of an unknown task", try Self.body("CancelTask", ["id": "no-such-task"]), "1.0", -32001),
                (
                    "a message to an unknown task", try Self.body("SendMessage", ["message": message.merging(["taskId": "no-such-task"]) { $1 }]),
                    "1.0", -32001
                ),
                ("a negative history length", try Self.body("GetTask", ["id": "x", "historyLength": -1]), "1.0", -32602),
                ("a page size over the maximum", try Self.body("ListTasks", ["pageSize": 1000]), "1.0", -32602),
                ("a page token not ours", try Self.body("ListTasks", ["pageToken": "%%%"]), "1.0", -32602),
                ("push notifications", try Self.body("CreateTaskPushNotificationConfig", ["taskId": "x", "url": "https://x"]), "1.0", -32003),
                ("no A2A-Version (0.3)", try Self.body("GetTask", ["id": "x"]), nil, -32009),
                ("A2A-Version 2.0", try Self.body("GetTask", ["id": "x"]), "2.0", -32009),
                ("an oversized body", Data(repeating: 0x20, count: A2AService.maximumBody + 1), "1.0", -32600),
            ]
            for (name, body, version, code) in cases {
                let result = try await Self.call(base, token: jane, body: body, version: version)
                #expect(result.status == 200, "\(name): HTTP \(result.status)")
                #expect(Self.errorCode(result) == code, "\(name): \(result.body)")
                #expect(result.json["jsonrpc"] as? String == "2.0", "\(name)")
            }
            let listed = try await Self.call(base, token: jane, method: "ListTasks", params: [:])
            #expect((listed.json["result"] as? [String: Any])?["totalSize"] as? Int == 0, "\(listed.body)")

            #expect(try await Self.call(base, token: nil, method: "GetTask", params: ["id": "x"]).status == 401)
            let forTriage = try await sn.idp.onBehalfOf("concierge", assertion: jane, scope: "api://triage/access_as_user")
            let wrong = try await Self.call(base, token: forTriage.json["access_token"] as? String, method: "GetTask", params: ["id": "x"])
            #expect(wrong.status == 401 && wrong.headers["www-authenticate"]?.contains("invalid_token") == true)
            #expect(try await Self.call(base, agent: "ghost", token: jane, body: Data("{}".utf8)).status == 404)
        }
    }

    @Test(
        "a finished task cannot be canceled, continued or subscribed to; another user's task is not found; tasks survive a restart, and one a stopped daemon left working ends FAILED"
    )
    func ownershipAndRestart() async throws {
        let directory = try TemporaryDirectory()
        try await ServiceNowFixture.withRunning { sn in
            let jane = try await sn.idp.signIn()
            let daemon = { try AgentRoutesTests.daemon(sn, data: directory.file("data")) }
            let first = try daemon()
            let taskID = try await LocalServer.run(logger: Logger(label: "test"), { first.makeApplication(onServerRunning: $0) }) { base in
                _ = try await httpGet("\(base)/readyz", until: 200)
                let task = try await Self.send(base, token: jane, text: "Show me 5 incidents assigned to me")
                #expect((task["status"] as? [String: Any])?["state"] as? String == "TASK_STATE_COMPLETED", "\(task)")
                #expect((task["metadata"] as? [String: Any])?["batonChainId"] is String)
                let id = try #require(task["id"] as? String)
                let cancel = try await Self.call(base, token: jane, method: "CancelTask", params: ["id": id])
                #expect(Self.errorCode(cancel) == -32002, "\(cancel.body)")
                let followUp: [String: Any] = ["messageId": "m-2", "role": "ROLE_USER", "taskId": id, "parts": [["text": "and more"]]]
                #expect(Self.errorCode(try await Self.call(base, token: jane, method: "SendMessage", params: ["message": followUp])) == -32004)
                #expect(Self.errorCode(try await Self.call(base, token: jane, method: "SubscribeToTask", params: ["id": id])) == -32004)
                // A task whose run the daemon's end cut off, as a crash would leave it.
                var cutOff = try #require(await first.storage.tasks()?.task(id: id, owner: Self.jane(sn)))
                cutOff.task.id = "cut-off"
                cutOff.task.status = A2ATaskStatus(state: .working)
                try await #require(await first.storage.tasks()).save(cutOff)
                let harriet = try await sn.idp.signIn("harriet@contoso.com")
                #expect(Self.errorCode(try await Self.call(base, token: harriet, method: "GetTask", params: ["id": id])) == -32001)
                #expect(Self.errorCode(try await Self.call(base, token: harriet, method: "CancelTask", params: ["id": id])) == -32001)
                return id
            }
            try await LocalServer.run(logger: Logger(label: "test"), { try! daemon().makeApplication(onServerRunning: $0) }) { base in
                _ = try await httpGet("\(base)/readyz", until: 200)
                let again = try await Self.call(base, token: jane, method: "GetTask", params: ["id": taskID, "historyLength": 1])
                let task = try #require(again.json["result"] as? [String: Any], "\(again.body)")
                #expect(task["id"] as? String == taskID)
                #expect((task["status"] as? [String: Any])?["state"] as? String == "TASK_STATE_COMPLETED")
                #expect((task["history"] as? [Any])?.count == 1)
                let cutOff = try #require(
                    try await Self.call(base, token: jane, method: "GetTask", params: ["id": "cut-off"]).json["result"] as? [String: Any])
                let status = try #require(cutOff["status"] as? [String: Any])
                #expect(status["state"] as? String == "TASK_STATE_FAILED", "\(status)")
                #expect(((status["message"] as? [String: Any])?["metadata"] as? [String: Any])?["code"] as? String == "interrupted", "\(status)")
                let listed = try await Self.call(base, token: jane, method: "ListTasks", params: ["pageSize": 10])
                let ids = ((listed.json["result"] as? [String: Any])?["tasks"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                #expect(ids == ["cut-off", taskID], "\(listed.body)")
            }
        }
    }

    static func jane(_ sn: ServiceNowFixture) throws -> ChainUser {
        let jane = try #require(sn.idp.tenant.user(username: "jane@contoso.com"))
        return ChainUser(tenantID: sn.idp.tenant.id, objectID: jane.oid, username: nil)
    }

    private static func body(_ method: String, _ params: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": 7, "method": method, "params": params])
    }

    @Test(
        "another Baton daemon is just an A2A agent: the chain crosses over A2A with a fresh OBO token and a signed chain, and both ledgers name Jane under one chain id; a forged or missing assertion is refused"
    )
    func daemonToDaemonOverA2A() async throws {
        let directory = try TemporaryDirectory()
        try await ServiceNowFixture.withRunning { sn in
            let portA = try LoopbackPort.free()
            let second = try AgentRoutesTests.daemon(sn, data: directory.file("b")) {
                $0.identity.trustedChainKeys = ["http://127.0.0.1:\(portA)/.well-known/baton-keys.json"]
            }
            try await LocalServer.run(logger: Logger(label: "b"), { second.makeApplication(onServerRunning: $0) }) { baseB in
                let agents = try AgentRoutesTests.agents(
                    in: directory.file("a-agents"), copying: ["concierge", "workplace", "crm"],
                    writing: [
                        "triage": """
                        id: triage
                        description: Triage, an A2A agent run by another Baton daemon.
                        a2a: \(baseB)/a2a/triage/.well-known/agent-card.json
                        identity:
                          client_id: \(sn.idp.app("triage").appID)
                          resource: api://triage
                        """
                    ])
                let first = try AgentRoutesTests.daemon(sn, data: directory.file("a"), agents: agents) { $0.server.listenAt(portA) }
                try await LocalServer.run(logger: Logger(label: "a"), { first.makeApplication(onServerRunning: $0) }) { baseA in
                    _ = try await httpGet("\(baseA)/readyz", until: 200)
                    _ = try await httpGet("\(baseB)/readyz", until: 200)
                    let jane = try await sn.idp.signIn()
                    let result = try await AgentRoutesTests.invoke(baseA, token: jane, input: "Show me 5 incidents assigned to me")
                    #expect(result.status == 200, "\(result.body)")
                    #expect(((result.json["data"] as? [String: Any])?["incidents"] as? [Any])?.count == 5, "\(result.body)")
                    let chainID = try #require(result.json["chain_id"] as? String)
                    let here = try await LedgerQuery(chainID: chainID).run(on: try #require(await first.storage.ledger()).reader).entries
                    let there = try await LedgerQuery(chainID: chainID).run(on: try #require(await second.storage.ledger()).reader).entries
                    #expect(here.contains { $0.kind == .delegate && $0.agent == "triage" && $0.status == 200 })
                    #expect(there.first?.kind == .delegate && there.first?.agent == "triage" && there.first?.hop == 1 && there.first?.parentHop == 0)
                    #expect(there.contains { $0.kind == .downstream && $0.agent == "itsm" && $0.actorPath == ["concierge", "triage", "itsm"] })
                    #expect(!there.isEmpty && (here + there).allSatisfy { $0.user?.username == "jane@contoso.com" })
                    #expect(Set((here + there).compactMap(\.traceID)).count == 1, "one trace id across both daemons")

                    // Straight at B, as triage's caller: the extension without an assertion, one that is
                    // not a JWS, and one right in every claim and naming A's key but not signed by it.
                    let forTriage = try await sn.idp.onBehalfOf("concierge", assertion: jane, scope: "api://triage/access_as_user")
                    let token = try #require(forTriage.json["access_token"] as? String)
                    let kid = try #require(
                        (try await httpGet("\(baseA)/.well-known/baton-keys.json").json["keys"] as? [[String: Any]])?.first?["kid"])
                    let header = try JSONSerialization.data(withJSONObject: ["alg": "EdDSA", "typ": "baton-chain+jwt", "kid": kid])
                    let now = Int(Date().timeIntervalSince1970)
                    let claims = try JSONSerialization.data(withJSONObject: [
                        "iss": baseA, "aud": "api://triage", "chain_id": ChainID.make(), "hop": 1, "parent_hop": 0,
                        "actor_path": ["concierge", "triage"], "trace_id": TraceContext.makeTraceID(), "iat": now, "exp": now + 300,
                        "ath": Base64URL.encode(Array(SHA256.hash(data: Data(token.utf8)))), "jti": "forged",
                    ])
                    let unsigned = [header, claims, Data(repeating: 7, count: 64)].map(Base64URL.encode).joined(separator: ".")
                    let chainExtension = "https://baton.dev/a2a/extensions/delegation-chain/v1"
                    for metadata in [[:], [chainExtension: ["jws": "e30.e30.AAAA"]], [chainExtension: ["jws": unsigned]]] as [[String: Any]] {
                        var request = URLRequest(url: URL(string: "\(baseB)/a2a/triage")!)
                        request.httpMethod = "POST"
                        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                        request.setValue("1.0", forHTTPHeaderField: "A2A-Version")
                        request.setValue("https://baton.dev/a2a/extensions/delegation-chain/v1", forHTTPHeaderField: "A2A-Extensions")
                        request.httpBody = try JSONSerialization.data(withJSONObject: [
                            "jsonrpc": "2.0", "id": 1, "method": "SendMessage",
                            "params": ["message": ["messageId": "m", "role": "ROLE_USER", "parts": [["text": "incidents"]], "metadata": metadata]],
                        ])
                        let refused = try await httpRequest(request)
                        #expect(Self.errorCode(refused) == -32602, "\(refused.body)")
                    }
                }
            }
        }
    }
}
