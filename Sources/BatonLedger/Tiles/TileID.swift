import Foundation

/// One tile of the ledger's Merkle tree as C2SP tlog-tiles names it: tile `index` of tile
/// level `level` holds hashes `index × 256 ..< index × 256 + width` of tree level
/// `8 × level`; level 0 holds the leaf hashes. A tile narrower than 256 is partial: the
/// right edge of a tree whose size is not a multiple of 256 there.
///
/// Paths are the spec's: `tile/<L>/<N>[.p/<W>]`, and for the entries behind level 0,
/// `tile/entries/<N>[.p/<W>]`, where N is written in groups of three digits, every group
/// but the last prefixed by `x` (`1234067` → `x001/x234/067`).
public struct TileID: Hashable, Sendable, CustomStringConvertible {
    /// Hashes in a full tile (a tile is 8 tree levels high).
    public static let width = 256
    /// Tree levels per tile level.
    public static let height = 8

    /// The tile level; `nil` for an entry bundle.
    public let level: Int?
    public let index: Int64
    /// Hashes (or entries) in the tile: 256 for a full tile.
    public let width: Int

    public init(level: Int?, index: Int64, width: Int = TileID.width) {
        self.level = level
        self.index = index
        self.width = width
    }

    /// The tiles a tree of `size` leaves publishes at tile `level` (entries when `nil`):
    /// the full ones, then the partial one at the right edge, if any.
    public static func count(level: Int, treeSize size: Int64) -> (full: Int64, partialWidth: Int) {
        let hashes = size >> Int64(height * level)
        return (hashes / Int64(width), Int(hashes % Int64(width)))
    }

    /// The spec's path, without a leading slash.
    public var path: String {
        let directory = level.map { "tile/\($0)/" } ?? "tile/entries/"
        return directory + Self.encode(index) + (width < Self.width ? ".p/\(width)" : "")
    }

    public var description: String { path }

    /// Reads a path such as `tile/0/x001/234.p/17` or `tile/entries/005`; `nil` if it is not one.
    public init?(path: String) {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)[...]
        guard parts.popFirst() == "tile", let levelPart = parts.popFirst() else { return nil }
        var level: Int?
        if levelPart != "entries" {
            guard let number = Int(levelPart), String(number) == levelPart, (0..<Self.maximumLevel).contains(number) else { return nil }
            level = number
        }
        var width = Self.width
        if parts.count >= 2, parts[parts.endIndex - 2].hasSuffix(".p") {
            guard let w = Int(parts[parts.endIndex - 1]), String(w) == parts[parts.endIndex - 1], (1..<Self.width).contains(w) else { return nil }
            width = w
            parts.removeLast()
            let last = parts.removeLast()
            parts.append(last.dropLast(2))
        }
        guard let index = Self.decode(parts) else { return nil }
        self.init(level: level, index: index, width: width)
    }

    /// Tile levels beyond this cannot exist for a 63-bit tree.
    static let maximumLevel = 8

    private static func encode(_ index: Int64) -> String {
        var groups: [String] = []
        var rest = index
        repeat {
            groups.insert(String(format: "%03lld", rest % 1000), at: 0)
            rest /= 1000
        } while rest > 0
        return groups.enumerated().map { $0.offset < groups.count - 1 ? "x" + $0.element : $0.element }.joined(separator: "/")
    }

    private static func decode(_ groups: ArraySlice<Substring>) -> Int64? {
        guard (1...7).contains(groups.count) else { return nil }
        var index: Int64 = 0
        for (offset, group) in groups.enumerated() {
            let digits = offset < groups.count - 1 ? (group.hasPrefix("x") ? group.dropFirst() : "") : group
            guard digits.count == 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(digits) else { return nil }
            index = index * 1000 + value
        }
        return index
    }
}
