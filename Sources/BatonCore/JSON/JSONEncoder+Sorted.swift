import Foundation

extension JSONEncoder {
    /// Sorted keys and unescaped slashes: the same JSON for the same value, every time —
    /// for files and exports people compare and diff.
    public static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
