/// A set of OAuth scopes in one canonical order, so equal sets compare, hash and key equal.
public struct ScopeSet: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// The scopes, sorted and without duplicates.
    public let scopes: [String]

    public init(_ scopes: some Sequence<String>) {
        self.scopes = Array(Set(scopes.filter { !$0.isEmpty })).sorted()
    }

    public init(arrayLiteral elements: String...) {
        self.init(elements)
    }

    /// Space-separated, as OAuth's `scope` parameter writes it.
    public var canonical: String { scopes.joined(separator: " ") }

    public var description: String { canonical }

    public var isEmpty: Bool { scopes.isEmpty }

    public func isSubset(of other: ScopeSet) -> Bool {
        Set(scopes).isSubset(of: other.scopes)
    }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([String].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(scopes)
    }
}
