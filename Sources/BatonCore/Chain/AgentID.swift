/// An agent's id as definitions, chain headers and the ledger spell it: lower-case
/// letters, digits, `-` and `_`, at most 64 characters.
public struct AgentID: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    /// `nil` unless `rawValue` is a valid id.
    public init?(rawValue: String) {
        guard Self.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// A literal id, as code and tests write them; an invalid literal is a programming error.
    public init(stringLiteral value: String) {
        precondition(Self.isValid(value), "'\(value)' is not a valid agent id")
        self.rawValue = value
    }

    public var description: String { rawValue }

    public static func < (lhs: AgentID, rhs: AgentID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Whether `id` may name an agent.
    public static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64
            && id.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }
}
