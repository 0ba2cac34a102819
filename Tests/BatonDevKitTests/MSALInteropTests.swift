import BatonTestSupport
import Foundation
import Logging
import Testing

@testable import BatonDevKit

@Suite("Dev IdP: Microsoft's MSAL Python as the client")
struct MSALInteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Interop/msal_obo.py").path

    @Test("MSAL's ConfidentialClientApplication performs OBO over HTTPS, caches it and surfaces AADSTS errors")
    func confidentialClientOnBehalfOf() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let authority = try DevCertificateAuthority.loadOrCreate(in: directory.file("dev-idp"))
        let provider = try DevIdentityProvider(tenant: IdentityProviderFixture.shippedTenant())
        let server = DevIdentityProviderServer(provider: provider, tls: try authority.serverTLSConfiguration(), logger: Logger(label: "msal-idp"))
        let (status, text): (Int32, String) = try await LocalServer.run(logger: Logger(label: "msal-idp"), server.makeApplication) { url in
            #expect(url.hasPrefix("https://"))
            return try await ChildProcess.run(
                "/usr/bin/env", ["python3", Self.script],
                environment: ["BASE": url, "TENANT": provider.tenant.id, "REQUESTS_CA_BUNDLE": authority.certificateAuthorityPath])
        }
        #expect(status == 0, "\(text)")
        #expect(text.contains("authority: obo ok") && text.contains("oidc_authority: cache ok") && text.contains("error ok"), "\(text)")
    }
}
