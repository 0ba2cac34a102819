import BatonIdentity
import Hummingbird

/// The per-request context of Baton's routes: Hummingbird's core plus the verified caller.
public struct BatonRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``BearerTokenMiddleware`` once the bearer token verified.
    public var caller: VerifiedToken?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
