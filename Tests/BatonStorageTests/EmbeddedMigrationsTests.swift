import BatonStorage
import Foundation
import Testing

@Suite("Migrations carried by the binary")
struct EmbeddedMigrationsTests {
    /// The package's `migrations/` folder, found from this file's path.
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("migrations")

    @Test("the binary carries exactly the files of migrations/, byte for byte")
    func matchesTheFolder() throws {
        let enumerator = try #require(FileManager.default.enumerator(atPath: folder.path))
        let paths = enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".sql") }.sorted()
        #expect(EmbeddedMigrations.all.map(\.path).sorted() == paths)
        for migration in EmbeddedMigrations.all {
            let bytes = try Data(contentsOf: folder.appendingPathComponent(migration.path))
            #expect(Data(migration.sql.utf8) == bytes, "\(migration.path)")
        }
    }

    @Test("every store has its migrations numbered from 1 without gaps")
    func numberedWithoutGaps() {
        for store in StoreName.allCases {
            let versions = EmbeddedMigrations.migrations(engine: "sqlite", store: store.rawValue).map(\.version)
            #expect(!versions.isEmpty, "\(store)")
            #expect(versions == Array(1...versions.count), "\(store)")
        }
    }
}
