/// Where a hop sits in its chain: the chain's id, this hop's number and its parent's, the
/// agents from the front door to this hop, and the W3C trace id every hop shares.
///
/// Correlation only: who the user is comes from each hop's verified token. A remote hop
/// arrives with a position in its headers (``init(headers:)``) and hands one on with
/// ``headers``.
public struct ChainPosition: Sendable, Equatable {
    public var chainID: String
    public var hop: Int
    public var parentHop: Int?
    /// Agents from the front door to this hop, this hop's agent last.
    public var actorPath: [String]
    /// W3C trace id (32 lower-case hex digits).
    public var traceID: String

    public init(chainID: String, hop: Int, parentHop: Int?, actorPath: [String], traceID: String) {
        self.chainID = chainID
        self.hop = hop
        self.parentHop = parentHop
        self.actorPath = actorPath
        self.traceID = traceID
    }

    /// The first hop of a new chain, at `agent`.
    public static func start(at agent: String, traceID: String? = nil) -> ChainPosition {
        ChainPosition(chainID: ChainID.make(), hop: 0, parentHop: nil, actorPath: [agent], traceID: traceID ?? TraceContext.makeTraceID())
    }

    /// The hop `agent` takes next, numbered `hop`, with this one as its parent.
    public func child(_ agent: String, hop: Int) -> ChainPosition {
        ChainPosition(chainID: chainID, hop: hop, parentHop: self.hop, actorPath: actorPath + [agent], traceID: traceID)
    }

    /// This position as seen by `agent` arriving here from another daemon: the path ends at it.
    public func arriving(at agent: String) -> ChainPosition {
        var position = self
        if actorPath.last != agent { position.actorPath.append(agent) }
        return position
    }

    public var agent: String { actorPath.last ?? "" }
    /// Agents in the chain so far, this one included.
    public var depth: Int { actorPath.count }
}

// MARK: - Headers

extension ChainPosition {
    /// Header names, lower case.
    public static let chainHeader = "baton-chain-id"
    public static let hopHeader = "baton-hop"
    public static let parentHopHeader = "baton-parent-hop"
    public static let actorPathHeader = "baton-actor-path"

    /// Reads a remote hop's headers (`header` looks one up by lower-case name); `nil`
    /// when there is no well-formed chain id. A missing trace id starts a new trace.
    public init?(headers header: (String) -> String?) {
        guard let chainID = header(Self.chainHeader), ChainID.isValid(chainID) else { return nil }
        let path = (header(Self.actorPathHeader) ?? "").split(separator: ",").map { $0.trimmingSpaces() }.filter(AgentID.isValid)
        self.init(
            chainID: chainID, hop: header(Self.hopHeader).flatMap(Int.init).map { max($0, 1) } ?? 1,
            parentHop: header(Self.parentHopHeader).flatMap(Int.init), actorPath: path,
            traceID: TraceContext(traceparent: header(TraceContext.header))?.traceID ?? TraceContext.makeTraceID())
    }

    /// The headers that carry this position to another daemon: `traceparent` names the
    /// current span when a tracer records the chain, else a new span id in its trace.
    public var headers: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            (TraceContext.header, TraceContext.outgoing(in: traceID).traceparent),
            (Self.chainHeader, chainID),
            (Self.hopHeader, String(hop)),
        ]
        if let parentHop { headers.append((Self.parentHopHeader, String(parentHop))) }
        headers.append((Self.actorPathHeader, actorPath.joined(separator: ",")))
        return headers
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
