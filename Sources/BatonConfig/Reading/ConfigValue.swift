import BatonCore
import Foundation

/// A scalar type a configuration key can hold.
///
/// Conformers parse the text of a YAML scalar (after `${VAR}` interpolation) or of an
/// environment override, so `port: 8080`, `port: "8080"` and `BATON_…_PORT=8080` all
/// read the same way.
public protocol ConfigValue {
    /// What a valid value looks like, for error messages: "an integer", "a duration such as 5s".
    static var expectation: String { get }
    /// Whether values of this type must be masked when shown.
    static var isSecret: Bool { get }
    /// Parses the text, or returns `nil` when it is not a value of this type.
    init?(configText: String)
    /// The value as it is written in a configuration file; a secret shows ``Secret/mask``.
    var configText: String { get }
}

extension ConfigValue {
    public static var isSecret: Bool { false }
}

extension String: ConfigValue {
    public static var expectation: String { "a string" }
    public init?(configText: String) { self = configText }
    public var configText: String { self }
}

extension Int: ConfigValue {
    public static var expectation: String { "an integer" }
    public init?(configText: String) {
        self.init(configText.replacingOccurrences(of: "_", with: ""))
    }
    public var configText: String { String(self) }
}

extension Double: ConfigValue {
    public static var expectation: String { "a number such as 0.25" }
    public init?(configText: String) {
        guard let value = Double(configText), value.isFinite else { return nil }
        self = value
    }
    public var configText: String { String(self) }
}

extension Bool: ConfigValue {
    public static var expectation: String { "true or false" }
    public init?(configText: String) {
        switch configText.lowercased() {
        case "true": self = true
        case "false": self = false
        default: return nil
        }
    }
    public var configText: String { self ? "true" : "false" }
}

extension Secret: ConfigValue {
    public static var expectation: String { "a string" }
    public static var isSecret: Bool { true }
    public init?(configText: String) { self.init(configText) }
    public var configText: String { Self.mask }
}

extension Duration: ConfigValue {
    public static var expectation: String { "a duration such as 500ms, 5s, 2m or 1h" }
    public init?(configText: String) {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        let text = configText.trimmingCharacters(in: .whitespaces)
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) }),
            let amount = Double(text.dropLast(unit.suffix.count)), amount >= 0, amount.isFinite
        else { return nil }
        self = .milliseconds(Int64((amount * unit.seconds * 1000).rounded()))
    }
    public var configText: String {
        let milliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        for (suffix, size) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000)] where milliseconds != 0 && milliseconds % size == 0 {
            return "\(milliseconds / size)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}

/// A value from a closed set, such as `log.format: text | json`.
public protocol ConfigChoice: ConfigValue, RawRepresentable<String>, CaseIterable {}

extension ConfigChoice {
    public static var expectation: String {
        "one of " + allCases.map { $0.rawValue }.joined(separator: ", ")
    }
    public init?(configText: String) { self.init(rawValue: configText) }
    public var configText: String { rawValue }
}

extension LedgerPublication: ConfigChoice {}
