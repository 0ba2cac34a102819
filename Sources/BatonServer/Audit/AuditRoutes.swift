import BatonCore
import BatonLedger
import Foundation
import Hummingbird

/// `GET /v1/audit`: ledger queries over HTTP. Auditors (app role `Baton.Auditor`) see
/// everything; anyone else sees only the chains they are the user of.
struct AuditRoutes {
    static let auditorRole = "Baton.Auditor"
    static let maximumLimit = 1_000

    let storage: StorageService

    struct Page: Codable {
        var entries: [LedgerEntry]
        var nextCursor: Int64?

        enum CodingKeys: String, CodingKey {
            case entries
            case nextCursor = "next_cursor"
        }
    }

    func register(on group: RouterGroup<BatonRequestContext>) {
        group.get("audit") { request, context -> Response in
            guard let caller = context.caller?.principal else { throw HTTPError(.unauthorized) }
            guard let ledger = await storage.ledger() else { throw HTTPError(.serviceUnavailable, message: "the ledger is not open yet") }
            var query = try Self.query(request.uri.queryParameters)
            if !caller.roles.contains(Self.auditorRole) {
                query.chainsOf = ChainUser(tenantID: caller.tenantID, objectID: caller.objectID, username: caller.username)
            }
            let page = try await query.run(on: ledger.reader)
            return HealthRoutes.json(.ok, Page(entries: page.entries, nextCursor: page.nextCursor))
        }
    }

    /// The query the parameters describe; an unknown value is a 400 naming the parameter.
    static func query(_ parameters: Parameters) throws -> LedgerQuery {
        try query { parameters.get($0) }
    }

    /// The query the named values describe (`parameter` returns a parameter's value, or
    /// `nil` when it is absent); the console's search form shares it.
    static func query(_ parameter: (String) -> String?) throws -> LedgerQuery {
        func value<T>(_ name: String, _ make: (String) -> T?) throws -> T? {
            guard let text = parameter(name) else { return nil }
            guard let value = make(text) else { throw HTTPError(.badRequest, message: "the query parameter \(name)=\(text) is not valid") }
            return value
        }
        let limit = try value("limit") { Int($0) } ?? 100
        guard (1...maximumLimit).contains(limit) else { throw HTTPError(.badRequest, message: "limit must be between 1 and \(maximumLimit)") }
        return LedgerQuery(
            user: parameter("user"), agent: parameter("agent"), target: parameter("target"), resource: parameter("resource"),
            kind: try value("kind", LedgerEventKind.init), decision: try value("outcome", LedgerDecision.init), chainID: parameter("chain"),
            since: try value("since") { try? Date($0, strategy: .iso8601) }, until: try value("until") { try? Date($0, strategy: .iso8601) },
            after: try value("after") { Int64($0) }, limit: limit)
    }
}
