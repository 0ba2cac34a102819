/// An error Baton can explain to the person who has to act on it.
///
/// Every error type in Baton conforms, so the HTTP layer and the CLI can turn any of them
/// into a stable machine-readable `code` plus a sentence that says what went wrong and,
/// where possible, how to fix it. A description never contains a token, secret or key.
public protocol BatonError: Error, CustomStringConvertible, Sendable {
    /// A stable, snake_case identifier for the failure, e.g. `config_unknown_key`.
    var code: String { get }
}
