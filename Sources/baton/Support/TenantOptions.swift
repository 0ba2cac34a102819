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
        try Self.load(file: config)
    }

    /// Loads the tenant file `file`, or fails with status 78 naming the file and field.
    static func load(file: String) throws -> DevTenant {
        do {
            return try DevTenant.load(file: file, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CommandFailure(message: error.description, exitCode: .configurationError)
        }
    }
}
