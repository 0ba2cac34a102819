import ArgumentParser
import BatonConnectors
import BatonDevKit
import Foundation
import Logging
import ServiceLifecycle

/// `baton dev servicenow`: the ServiceNow Table API emulator as a long-running process.
struct DevServiceNowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "servicenow",
        abstract: "Run the ServiceNow Table API emulator (per-user ACLs, OIDC inbound from the dev IdP).",
        discussion: """
            Accepts tokens the way a real instance's OIDC inbound integration does: signed by the IdP behind \
            --idp, aud equal to the tenant's `servicenow` app, preferred_username matched to sys_user.email. \
            Data lives in DATA_DIR/dev-servicenow/servicenow.sqlite and survives restarts; delete it to re-seed. \
            With --https it serves TLS with the dev CA of `baton dev idp --https` (DATA_DIR/dev-idp/ca.pem), as a real \
            instance does and as ServiceNow's pysnc requires.
            """
    )

    @OptionGroup var tenantOptions: TenantOptions

    @Option(name: .long, help: "The dev identity provider's base URL.")
    var idp = "http://127.0.0.1:9400"

    @Option(name: .long, help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The port to listen on; 0 picks a free one.")
    var port = 9500

    @Option(name: .long, help: "Where the instance's data is kept.")
    var dataDir = "./.baton"

    @Option(name: .long, help: "The claim read from tokens (User Claim).")
    var userClaim = "preferred_username"

    @Option(name: .long, help: "The sys_user field matched against it (User Field).")
    var userField = "email"

    @Flag(name: .long, help: "Turn on JTI claim verification (each token usable once; Entra tokens have no jti).")
    var jti = false

    @Flag(name: .long, help: "Serve HTTPS with the dev CA (DATA_DIR/dev-idp/ca.pem, created if missing).")
    var https = false

    func run() async throws {
        try await reportingFailures {
            let tenant = try tenantOptions.load()
            guard let app = tenant.application("servicenow") else {
                throw CommandFailure(message: "\(tenantOptions.config): no app is named 'servicenow' (the ServiceNow API connector app)")
            }
            LoggingBootstrap.install(.init())
            let logger = Logger(label: "baton.dev.servicenow")
            let directory = (dataDir as NSString).appendingPathComponent("dev-servicenow")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let settings = ServiceNowOIDCSettings(
                metadataURL: "\(idp)/\(tenant.id)/v2.0/.well-known/openid-configuration", clientID: app.appID, userClaim: userClaim,
                userField: userField, jtiVerification: jti)
            let emulator = try ServiceNowEmulator(
                path: (directory as NSString).appendingPathComponent("servicenow.sqlite"), oidc: settings, logger: logger)
            let authority = try https ? DevCertificateAuthority.loadOrCreate(in: (dataDir as NSString).appendingPathComponent("dev-idp")) : nil
            var server = ServiceNowEmulatorServer(emulator: emulator, host: host, port: port, logger: logger)
            server.tls = try authority?.serverTLSConfiguration()
            let application = try server.makeApplication { url in
                var lines = [
                    "ServiceNow emulator at \(url)",
                    "  Table API:   \(url)/api/now/table/incident",
                    "  OIDC:        metadata \(settings.metadataURL), client id \(settings.clientID)",
                    "  admin view:  \(url)/_dev/visibility?email=jane@contoso.com",
                    "  diagnose:    baton doctor servicenow --user jane@contoso.com --idp \(idp)",
                ]
                if let authority { lines.append("  CA file:     \(authority.certificateAuthorityPath)") }
                FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            }
            let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}
