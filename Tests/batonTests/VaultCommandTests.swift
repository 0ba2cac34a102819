import BatonCore
import BatonIdentity
import BatonStorage
import BatonTestSupport
import BatonVault
import Foundation
import Logging
import Testing

@Suite("baton vault, as a process", .serialized)
struct VaultCommandTests {
    let directory: TemporaryDirectory
    let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.dG9wLXNlY3JldC1zaWduYXR1cmU"

    init() throws {
        directory = try TemporaryDirectory()
    }

    private var environment: [String: String] { ["BATON_STORAGE_DATA_DIR": directory.file("data")] }

    /// A vault with one token each for Jane (concierge) and Harriet (itsm).
    private func populate() async throws {
        let data = try DataDirectory.prepare(directory.file("data"))
        let database = try SQLiteStore.open(.vault, in: data, busyTimeout: .seconds(5), logger: Logger(label: "test"))
        let vault = try await TokenVault.open(in: data, store: SQLiteVaultStore(database: database), environment: [:])
        for (oid, name, agent) in [
            ("a4fda3b2-0738-59b8-b7a1-849d73fb98aa", "jane@contoso.com", "concierge"),
            ("efc14c1c-1a19-5cb2-bcbe-80bf221c1fb1", "harriet@contoso.com", "itsm"),
        ] {
            let context = VaultEntryContext(
                tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", objectID: oid, username: name, agent: agent, audience: "api://triage",
                scopes: ["access_as_user"])
            let key = VaultKey(
                issuer: "iss", tenantID: context.tenantID, clientID: agent, audience: "api://triage", scopes: ["access_as_user"],
                userAssertion: Secret(name))
            try await vault.store(
                ExchangedToken(accessToken: Secret(token), expiresAt: Date().addingTimeInterval(3600), grantedScopes: ""), for: key, context: context)
        }
        try database.close()
    }

    private func run(_ arguments: [String]) async throws -> BatonProcess {
        let process = BatonProcess(arguments, environment: environment)
        _ = try await process.run()
        return process
    }

    @Test("list shows who holds what until when, never the token; stats counts; purge and rotate-key work")
    func administer() async throws {
        try await populate()
        let list = try await run(["vault", "list"])
        #expect(list.exitStatus == 0, "\(list.standardError)")
        #expect(list.standardOutput.contains("jane@contoso.com"))
        #expect(list.standardOutput.contains("concierge"))
        #expect(list.standardOutput.contains("api://triage"))
        for part in token.split(separator: ".") { #expect(!list.standardOutput.contains(part)) }
        let json = try await run(["vault", "list", "--agent", "itsm", "--json"])
        #expect(json.standardOutput.split(separator: "\n").count == 1)
        #expect(json.standardOutput.contains(#""username":"harriet@contoso.com""#))

        let stats = try await run(["vault", "stats"])
        #expect(stats.standardOutput.contains("access tokens            2"))
        #expect(stats.standardOutput.contains("users                    2"))

        let purge = try await run(["vault", "purge", "--user", "jane@contoso.com"])
        #expect(purge.exitStatus == 0, "\(purge.standardError)")
        #expect(purge.standardOutput.contains("purged 1 entries and the data key"))
        #expect(!(try await run(["vault", "list"])).standardOutput.contains("jane@contoso.com"))

        let rotate = try await run(["vault", "rotate-key"])
        #expect(rotate.exitStatus == 0, "\(rotate.standardError)")
        #expect(rotate.standardOutput.contains("re-wrapped 1 data keys"))

        let nobody = try await run(["vault", "purge", "--user", "nobody@contoso.com"])
        #expect(nobody.exitStatus == 1)
        #expect(nobody.standardError.contains("the vault holds nothing for user nobody@contoso.com"))
    }

    @Test("purge and rotate-key refuse while a daemon holds the vault, and so does a second daemon")
    func lockedWhileServing() async throws {
        try await populate()
        let daemon = BatonProcess(["serve", "--log-format", "json"], environment: environment.merging(["BATON_SERVER_LISTEN": "127.0.0.1:0"]) { $1 })
        try daemon.start()
        _ = try await daemon.waitForLine(containing: "\"msg\":\"stores open\"")
        for arguments in [["vault", "purge", "--agent", "itsm"], ["vault", "rotate-key"]] {
            let refused = try await run(arguments)
            #expect(refused.exitStatus == 1)
            #expect(refused.standardError.contains("the vault is in use by a running daemon"), "\(refused.standardError)")
        }
        #expect(try await run(["vault", "list"]).exitStatus == 0, "reading needs no lock")
        let second = BatonProcess(["serve"], environment: environment.merging(["BATON_SERVER_LISTEN": "127.0.0.1:0"]) { $1 })
        #expect(try await second.run() != 0)
        #expect(second.standardError.contains("the vault is in use by a running daemon"))
        let (status, _) = try await daemon.stop()
        #expect(status == 0)
    }
}
