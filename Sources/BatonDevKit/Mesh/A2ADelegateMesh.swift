import Foundation

/// A copy of an agents directory in which `triage` also delegates to A2A agents outside
/// Baton: how the tests and `baton bench chain` put the a2a-sdk fixture agent into the
/// shipped mesh without editing it.
public enum A2ADelegateMesh {
    /// An A2A agent `triage` hands a request to when the request matches `match`.
    public struct Delegate: Sendable {
        public var name: String
        /// Its card's URL (or the base URL the card is under).
        public var url: String
        /// A regular expression over the request (a rule of triage's, tried before its own).
        public var match: String
        /// Its app registration: the client id and the resource OBO exchanges for.
        public var clientID: String
        public var resource: String
        /// Its `limits.timeout` (`2s`), when not the default.
        public var timeout: String?

        public init(name: String, url: String, match: String, clientID: String, resource: String, timeout: String? = nil) {
            self.name = name
            self.url = url
            self.match = match
            self.clientID = clientID
            self.resource = resource
            self.timeout = timeout
        }
    }

    /// Copies every agent definition in `source` to `destination`, adds `delegates` to
    /// triage's delegates and rules, and writes a definition for each; `destination`.
    @discardableResult
    public static func write(from source: String, to destination: String, delegates: [Delegate]) throws -> String {
        let files = FileManager.default
        try files.createDirectory(atPath: destination, withIntermediateDirectories: true)
        for name in try files.contentsOfDirectory(atPath: source) where name.hasSuffix(".yaml") {
            var text = try String(contentsOfFile: "\(source)/\(name)", encoding: .utf8)
            if name == "triage.yaml" { text = try withDelegates(text, delegates) }
            try text.write(toFile: "\(destination)/\(name)", atomically: true, encoding: .utf8)
        }
        for delegate in delegates {
            let definition = """
                id: \(delegate.name)
                description: An A2A agent outside Baton.
                a2a: \(delegate.url)
                identity:
                  client_id: \(delegate.clientID)
                  resource: \(delegate.resource)

                """ + (delegate.timeout.map { "limits:\n  timeout: \($0)\n" } ?? "")
            try definition.write(toFile: "\(destination)/\(delegate.name).yaml", atomically: true, encoding: .utf8)
        }
        return destination
    }

    private static func withDelegates(_ triage: String, _ delegates: [Delegate]) throws -> String {
        guard triage.contains("delegates:\n"), triage.contains("  rules:\n") else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "triage.yaml has no 'delegates:' list or brain 'rules:'"])
        }
        let entries = delegates.map { delegate -> String in "  - agent: \(delegate.name)\n    scopes: [access_as_user]\n" }.joined()
        let rules = delegates.map { rule -> String in
            let quoted = rule.match.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "    - match: \"\(quoted)\"\n      delegate: \(rule.name)\n"
        }.joined()
        return triage.replacingOccurrences(of: "delegates:\n", with: "delegates:\n\(entries)")
            .replacingOccurrences(of: "  rules:\n", with: "  rules:\n\(rules)")
    }
}
