/// Why a child process could not be started, or did not do what was waited for.
public struct ProcessFailure: Error, CustomStringConvertible {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
