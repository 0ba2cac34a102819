import ArgumentParser
import Foundation

/// A failure a command reports as one line on standard error, with a chosen exit status.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    var exitCode: ExitCode = .failure

    var description: String { message }
}

extension AsyncParsableCommand {
    /// Runs `body`, turning a ``CommandFailure`` or any other error into `error: …` and an exit status.
    func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("error: \(failure.message)\n".utf8))
            throw failure.exitCode
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
