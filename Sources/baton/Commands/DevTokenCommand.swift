import ArgumentParser
import BatonConfig
import BatonDevKit
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `baton dev token`: sign a dev user in and print the access token.
///
/// The one command that prints a token, on purpose: it is how a developer gets Token A
/// for `curl`. The token goes to standard output alone, so `$(baton dev token …)` works.
struct DevTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Sign a dev user in at the dev identity provider and print the access token.",
        discussion: "Uses the password grant with the user's dev password from the tenant file unless --password is given."
    )

    @Option(name: .long, help: "The user's username, e.g. jane@contoso.com.")
    var user: String

    @Option(name: .long, help: "The user's password (default: the dev password in the tenant file).")
    var password: String?

    @Option(name: .long, help: "The client app, by name or app id.")
    var client = "baton-cli"

    @Option(name: .long, help: "The scope to request.")
    var scope = "api://concierge/access_as_user"

    @Option(name: .long, help: "The dev identity provider's base URL (default: the running `baton dev up` stack's, else http://127.0.0.1:9400).")
    var idp: String?

    @Option(name: .long, help: "Where `baton dev up` wrote endpoints.json.")
    var dataDir = "./.baton"

    @OptionGroup var tenantOptions: TenantOptions

    func run() async throws {
        try await reportingFailures {
            let tenant = try tenantOptions.load()
            print(
                try await DevSignIn(tenant: tenant, idp: idp ?? RunningStack.endpoints(dataDirectory: dataDir)?.idp ?? "http://127.0.0.1:9400").token(
                    user: user, password: password, client: client, scope: scope))
        }
    }
}
