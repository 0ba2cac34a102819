import Foundation

extension TransparencyLog {
    /// What an export wrote.
    public struct Export: Sendable, Equatable {
        /// Entries the exported checkpoint covers.
        public var size: Int64
        /// Tiles (and entry bundles) written now.
        public var written: Int
        /// Full tiles already in the directory, left as they were (they never change).
        public var kept: Int
    }

    /// Writes the log as static files under `directory`: `checkpoint` (the latest signed
    /// one) and every tile it needs, as the spec lays them out, so that any static file
    /// server publishes it. Full tiles already there are kept; the checkpoint is written
    /// last, so a reader never sees a checkpoint whose tiles are not there yet.
    public func export(to directory: String) async throws -> Export {
        guard let checkpoint = try await checkpoint(), let note = checkpoint.note else {
            throw LedgerError.notCovered(sequence: 1, checkpoint: 0)
        }
        let size = checkpoint.sequence
        var export = Export(size: size, written: 0, kept: 0)
        var levels: [Int?] = publication == .entries ? [nil] : []
        var level = 0
        while size >> Int64(TileID.height * level) > 0 {
            levels.append(level)
            level += 1
        }
        for level in levels {
            let (full, partial) = TileID.count(level: level ?? 0, treeSize: size)
            var tiles = (0..<full).map { TileID(level: level, index: $0) }
            if partial > 0 { tiles.append(TileID(level: level, index: full, width: partial)) }
            for tile in tiles {
                let path = directory + "/" + tile.path
                if tile.width == TileID.width, level != nil, Self.fileSize(path) == TileID.width * MerkleHash.size {
                    export.kept += 1
                    continue
                }
                guard let contents = try await contents(of: tile) else { throw LedgerError.readFailed("the ledger's tile \(tile) is missing") }
                try Self.write(contents, to: path)
                export.written += 1
            }
        }
        try Self.write(Array(note.utf8), to: directory + "/checkpoint")
        return export
    }

    private static func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
    }

    /// Writes `bytes` to `path` through a temporary file and a rename, creating directories.
    private static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url, options: .atomic)
    }
}
