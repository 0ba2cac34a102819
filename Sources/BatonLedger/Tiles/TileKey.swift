/// Where a tile is stored: its tile level and index.
public struct TileKey: Hashable, Sendable {
    public let level: Int
    public let index: Int64

    public init(level: Int, index: Int64) {
        self.level = level
        self.index = index
    }
}
