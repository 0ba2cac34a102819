import BatonConnectors
import BatonCore
import BatonTestSupport
import Foundation

/// Credentials that hand out `tokens` in turn: the first on `token()`, the next on each `renew()`.
actor ScriptedCredentials: DownstreamCredentials {
    private var tokens: [String]
    private(set) var renewals = 0

    init(_ tokens: [String]) {
        self.tokens = tokens
    }

    func token() async throws -> Secret {
        Secret(tokens[0])
    }

    func renew() async throws -> Secret {
        renewals += 1
        tokens.removeFirst()
        return Secret(tokens[0])
    }
}

/// Collects the downstream calls a connector records.
actor CallLog {
    private(set) var calls: [DownstreamCall] = []

    func record(_ call: DownstreamCall) {
        calls.append(call)
    }

    nonisolated func context(_ credentials: any DownstreamCredentials) -> ConnectorContext {
        ConnectorContext(credentials: credentials) { call in await self.record(call) }
    }
}

extension ServiceNowFixture {
    /// The ServiceNow connector pointed at this emulator, retrying quickly.
    func connector() -> ServiceNowConnector {
        ServiceNowConnector(
            baseURL: url, audience: "api://servicenow", scopes: ["user_impersonation"],
            client: DownstreamClient(connector: "servicenow", retry: .init(attempts: 3, initialBackoff: .milliseconds(10))))
    }
}
