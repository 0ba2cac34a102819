import Synchronization

/// Hash tiles recently served (a tile of a given width never changes), at most `capacity` of them; when full,
/// the oldest half is dropped.
final class TileCache: Sendable {
    private let capacity: Int
    private let state = Mutex<(tiles: [TileID: [UInt8]], order: [TileID])>(([:], []))

    init(capacity: Int) {
        self.capacity = max(capacity, 0)
    }

    subscript(tile: TileID) -> [UInt8]? {
        get { state.withLock { $0.tiles[tile] } }
        set {
            guard let newValue, capacity > 0 else { return }
            state.withLock { state in
                guard state.tiles.updateValue(newValue, forKey: tile) == nil else { return }
                state.order.append(tile)
                if state.order.count > capacity {
                    let dropped = state.order.count - capacity / 2
                    for old in state.order.prefix(dropped) { state.tiles[old] = nil }
                    state.order.removeFirst(dropped)
                }
            }
        }
    }
}
