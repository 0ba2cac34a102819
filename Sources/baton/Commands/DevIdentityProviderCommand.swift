import ArgumentParser
import BatonDevKit
import BatonIdentity
import Foundation
import Logging
import ServiceLifecycle

/// `baton dev idp`: the Entra-compatible identity provider as a long-running process.
struct DevIdentityProviderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idp",
        abstract: "Run the Entra-ID-compatible dev identity provider.",
        discussion: """
            Serves Entra's v2.0 endpoints for the tenant in the file: discovery, JWKS and the token endpoint \
            (password, client_credentials, refresh_token, On-Behalf-Of and RFC 8693 token exchange). \
            With --https it serves TLS with a dev CA written to DATA_DIR/dev-idp/ca.pem, which MSAL needs.
            """
    )

    @OptionGroup var tenantOptions: TenantOptions

    @Option(name: .long, help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The port to listen on; 0 picks a free one.")
    var port = 9400

    @Flag(name: .long, help: "Serve HTTPS with a generated dev CA (written to DATA_DIR/dev-idp/ca.pem).")
    var https = false

    @Option(name: .long, help: "Where the dev CA is kept with --https.")
    var dataDir = "./.baton"

    func run() async throws {
        try await reportingFailures {
            let tenant = try tenantOptions.load()
            LoggingBootstrap.install(.init())
            let logger = Logger(label: "baton.dev.idp")
            let authority = try https ? DevCertificateAuthority.loadOrCreate(in: (dataDir as NSString).appendingPathComponent("dev-idp")) : nil
            let provider = try DevIdentityProvider(tenant: tenant)
            let server = DevIdentityProviderServer(
                provider: provider, host: host, port: port, tls: try authority?.serverTLSConfiguration(), logger: logger)
            let application = try server.makeApplication { url in
                var lines = [
                    "dev identity provider for tenant \(tenant.domain) (\(tenant.id))",
                    "  authority:  \(url)/\(tenant.id)",
                    "  discovery:  \(url)/\(tenant.id)/v2.0/.well-known/openid-configuration",
                    "  token:      \(EntraEndpoints.tokenEndpoint(authority: url, tenant: tenant.id))",
                ]
                if let authority { lines.append("  CA file:    \(authority.certificateAuthorityPath)") }
                lines.append("  a token:    baton dev token --user jane@contoso.com --idp \(url)")
                // Written unbuffered so a script reading the pipe sees the URLs at once.
                FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            }
            let group = ServiceGroup(
                configuration: .init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            )
            try await group.run()
        }
    }
}
