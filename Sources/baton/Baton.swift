import ArgumentParser

/// The `baton` command line: the daemon and the tools around it.
@main
struct Baton: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baton",
        abstract: "Run AI agents that act as the signed-in user, with On-Behalf-Of at every hop and an audit ledger.",
        subcommands: [
            ServeCommand.self, DemoCommand.self, InvokeCommand.self, AgentsCommand.self, DoctorCommand.self, ConfigCommand.self, MigrateCommand.self,
            AuditCommand.self,
            VaultCommand.self, StorageCommand.self, BackupCommand.self, RestoreCommand.self, ReloadCommand.self, DevCommand.self, BenchCommand.self,
        ]
    )
}
