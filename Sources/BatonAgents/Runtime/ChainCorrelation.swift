/// The chain headers a remote hop arrives with: correlation only. The receiving daemon
/// takes the user from the verified token alone and records this chain id in its ledger.
public struct ChainCorrelation: Sendable, Equatable {
    public var chainID: String
    public var hop: Int
    public var parentHop: Int?
    public var actorPath: [String]
    public var traceID: String?

    public init(chainID: String, hop: Int, parentHop: Int?, actorPath: [String], traceID: String?) {
        self.chainID = chainID
        self.hop = hop
        self.parentHop = parentHop
        self.actorPath = actorPath
        self.traceID = traceID
    }

    /// Header names, lower case.
    public static let chainHeader = "baton-chain-id"
    public static let hopHeader = "baton-hop"
    public static let parentHopHeader = "baton-parent-hop"
    public static let actorPathHeader = "baton-actor-path"

    /// Reads the headers (`headers` looks one up by lower-case name); `nil` when there is no chain id.
    public init?(headers: (String) -> String?) {
        guard let chainID = headers(Self.chainHeader), !chainID.isEmpty, chainID.count <= 64,
            chainID.allSatisfy({ $0.isHexDigit || $0 == "-" })
        else { return nil }
        self.chainID = chainID
        self.hop = headers(Self.hopHeader).flatMap(Int.init).map { max($0, 1) } ?? 1
        self.parentHop = headers(Self.parentHopHeader).flatMap(Int.init)
        self.actorPath = (headers(Self.actorPathHeader) ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            .filter(AgentDefinition.isValidID)
        self.traceID = Self.traceID(traceparent: headers("traceparent"))
    }

    /// The trace id of a W3C `traceparent` (`version-traceid-parentid-flags`), if well formed.
    public static func traceID(traceparent: String?) -> String? {
        let parts = traceparent?.split(separator: "-") ?? []
        guard parts.count == 4, parts[1].count == 32, parts[1].allSatisfy(\.isHexDigit) else { return nil }
        return parts[1].lowercased()
    }
}
