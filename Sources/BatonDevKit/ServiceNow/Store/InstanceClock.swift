import Foundation
import Synchronization

/// The emulated instance's clock: real time plus an offset, to play a server whose clock
/// is wrong. Read synchronously by token verification, hence a mutex rather than an actor.
public final class InstanceClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    public init() {}

    public var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    public var offsetSeconds: TimeInterval { offset.withLock { $0 } }

    public func setOffset(_ seconds: TimeInterval) {
        offset.withLock { $0 = seconds }
    }
}
