import BatonConfig
import BatonCore
import BatonDevKit
import BatonLedger
import BatonTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import BatonServer

@Suite("GET /v1/audit")
struct AuditRoutesTests {
    @Test("an auditor sees every chain, a user only their own, and bad parameters are 400")
    func access() async throws {
        let directory = try TemporaryDirectory()
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            var configuration = BatonConfiguration()
            configuration.server.listen.port = 0
            configuration.storage.dataDirectory = directory.file("data")
            let concierge = client.app("concierge")
            configuration.identity = IdentitySettings(
                audiences: [concierge.appID],
                issuers: [IssuerSettings(name: "dev", kind: .entra, authority: client.base, tenants: [client.tenant.id])])
            let daemon = try BatonDaemon(configuration: configuration, logger: Logger(label: "test"))
            let jane = try await client.signIn()
            let audrey = try await client.signIn("audrey@contoso.com")
            try await daemon.makeApplication().test(.live) { http in
                for _ in 0..<200 where await daemon.storage.ledger() == nil { try await Task.sleep(for: .milliseconds(20)) }
                let writer = try #require(await daemon.storage.ledger()).writer
                for (index, name) in ["jane@contoso.com", "harriet@contoso.com"].enumerated() {
                    let user = try #require(provider.tenant.user(username: name))
                    try await writer.append(
                        LedgerEntry(
                            chainID: "chain-\(index)", hop: 0, kind: .inbound,
                            user: ChainUser(tenantID: provider.tenant.id, objectID: user.oid, username: name),
                            agent: "concierge", actorPath: ["concierge"]))
                }
                func page(_ token: String, _ query: String = "") async throws -> (HTTPResponse.Status, AuditRoutes.Page?) {
                    let response = try await http.execute(uri: "/v1/audit\(query)", method: .get, headers: [.authorization: "Bearer \(token)"])
                    return (response.status, try? JSONDecoder().decode(AuditRoutes.Page.self, from: Data(buffer: response.body)))
                }
                let mine = try await page(jane)
                #expect(mine.0 == .ok)
                #expect(mine.1?.entries.map(\.chainID) == ["chain-0"])
                #expect(try await page(jane, "?user=harriet@contoso.com").1?.entries.isEmpty == true, "a user cannot look into another's chains")
                #expect(try await page(audrey).1?.entries.map(\.chainID) == ["chain-0", "chain-1"])
                #expect(try await page(audrey, "?user=harriet@contoso.com").1?.entries.map(\.chainID) == ["chain-1"])
                #expect(try await page(audrey, "?limit=1").1?.nextCursor == 1)
                #expect(try await page(audrey, "?kind=teleport").0 == .badRequest)
                #expect(try await page(audrey, "?limit=5000").0 == .badRequest)

                // The daemon's indexer brings the query index up to the head, hiding nothing.
                let reader = try #require(await daemon.storage.ledger()).reader
                var check = try await LedgerIndexCheck.firstHidden(reader: reader)
                for _ in 0..<250 where check.indexedThrough < 2 {
                    try await Task.sleep(for: .milliseconds(20))
                    check = try await LedgerIndexCheck.firstHidden(reader: reader)
                }
                #expect(check.indexedThrough == 2 && check.hidden == nil)
                #expect(try await page(audrey, "?user=harriet@contoso.com").1?.entries.map(\.chainID) == ["chain-1"])
            }
        }
    }
}
