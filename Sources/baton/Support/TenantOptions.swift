import ArgumentParser
import BatonConfig
import BatonDevKit
import Foundation

/// `--config dev/tenant.yaml`, shared by the `baton dev` commands that read the dev tenant.
struct TenantOptions: ParsableArguments {
    @Option(name: .long, help: "The dev tenant file.", completion: .file(extensions: ["yaml"]))
    var config = "dev/tenant.yaml"

    /// Loads the tenant or fails with status 78 naming the file and field.
    func load() throws -> DevTenant {
        do {
            return try DevTenant.load(file: config, environment: ProcessInfo.processInfo.environment)
        } catch let error as ConfigError {
            throw CommandFailure(message: error.description, exitCode: .configurationError)
        }
    }
}
