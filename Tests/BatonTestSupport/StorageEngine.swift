import Testing

/// The engines a store runs on; suites that must hold on both take it as an argument.
public enum StorageEngine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    public var testDescription: String { rawValue }
}
