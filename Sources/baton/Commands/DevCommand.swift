import ArgumentParser

/// `baton dev …`: local stand-ins for what a laptop lacks.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run local stand-ins for Entra ID, ServiceNow and a model, and get dev tokens.",
        subcommands: [DevUpCommand.self, DevIdentityProviderCommand.self, DevServiceNowCommand.self, DevModelCommand.self, DevTokenCommand.self]
    )
}
