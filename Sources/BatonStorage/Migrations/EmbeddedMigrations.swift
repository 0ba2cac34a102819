import Foundation

/// The migrations compiled into this binary from the package's `migrations/` folder.
public enum EmbeddedMigrations {
    /// Every embedded migration, ordered by engine, store and version.
    public static let all: [Migration] = embeddedMigrationFiles.compactMap { file in
        let parts = file.path.split(separator: "/")
        guard parts.count == 3, let data = Data(base64Encoded: file.base64), let sql = String(data: data, encoding: .utf8) else {
            preconditionFailure("MigrationEmbedder wrote an unreadable entry for \(file.path)")
        }
        let stem = parts[2].dropLast(".sql".count)
        let separator = stem.firstIndex(of: "_")!
        return Migration(
            engine: String(parts[0]),
            store: String(parts[1]),
            version: Int(stem[..<separator])!,
            name: String(stem[stem.index(after: separator)...]),
            sql: sql
        )
    }
    .sorted { ($0.engine, $0.store, $0.version) < ($1.engine, $1.store, $1.version) }

    /// The migrations of one store for one engine, in version order.
    public static func migrations(engine: String, store: String) -> [Migration] {
        all.filter { $0.engine == engine && $0.store == store }
    }
}
