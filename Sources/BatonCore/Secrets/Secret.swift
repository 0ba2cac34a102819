/// A value that must never appear in a log line, an error message or printed output.
///
/// Tokens, client secrets and keys travel inside `Secret` so that string interpolation,
/// `print`, `dump` and `Logger` metadata all show a fixed mask instead of the value. The
/// value is reachable only through ``revealed``, which makes every place that touches
/// the plaintext easy to find in review.
///
/// ```swift
/// let key = Secret("s3cr3t")
/// print("key: \(key)")  // key: ********
/// ```
public struct Secret: Sendable, Hashable {
    /// What every textual representation of a secret shows.
    public static let mask = "********"

    /// The plaintext. Read it only where it is handed to the party it is meant for.
    public let revealed: String

    public init(_ value: String) {
        self.revealed = value
    }

    /// Whether the secret is the empty string, without revealing it.
    public var isEmpty: Bool { revealed.isEmpty }
}

extension Secret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { Self.mask }
    public var debugDescription: String { "Secret(\(Self.mask))" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
