import BatonCore
import BatonLedger

/// Where a hop sits in its chain: the chain's id and original user, the actor path from
/// the front door, this hop's number and its parent's. Correlation only: who the user is
/// comes from each hop's verified token, and must match ``user``.
public struct ChainContext: Sendable, Equatable {
    public let chainID: String
    /// The user the chain acts for, as the first hop's token named them.
    public let user: LedgerUser
    /// Agents from the front door to this hop, this hop's agent last.
    public let actorPath: [String]
    public let hop: Int
    public let parentHop: Int?
    /// W3C trace id (32 hex), shared by every hop.
    public let traceID: String

    public init(chainID: String, user: LedgerUser, actorPath: [String], hop: Int, parentHop: Int?, traceID: String) {
        self.chainID = chainID
        self.user = user
        self.actorPath = actorPath
        self.hop = hop
        self.parentHop = parentHop
        self.traceID = traceID
    }

    /// The first hop of a new chain, at `agent`, for `user`.
    static func start(at agent: String, for user: LedgerUser, traceID: String?) -> ChainContext {
        ChainContext(
            chainID: ChainID.make(), user: user, actorPath: [agent], hop: 0, parentHop: nil,
            traceID: traceID ?? String((0..<32).map { _ in "0123456789abcdef".randomElement()! }))
    }

    /// The hop `agent` takes next, numbered `hop`.
    func child(_ agent: String, hop: Int) -> ChainContext {
        ChainContext(chainID: chainID, user: user, actorPath: actorPath + [agent], hop: hop, parentHop: self.hop, traceID: traceID)
    }

    public var agent: String { actorPath.last ?? "" }
    public var depth: Int { actorPath.count }
}
