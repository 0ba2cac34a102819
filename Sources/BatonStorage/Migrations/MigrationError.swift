import BatonCore

/// Why a store's schema cannot be brought up to date. Each stops startup.
public enum MigrationError: BatonError, Equatable {
    /// An applied migration's file no longer has the bytes it had when it was applied.
    case changed(store: String, version: Int, name: String, applied: String, embedded: String)
    /// A migration recorded as applied is not carried by this binary.
    case missing(store: String, version: Int, name: String)
    /// Two files of one store share a version number.
    case duplicateVersion(store: String, version: Int)
    /// The SQL of a migration failed; its transaction was rolled back.
    case failed(store: String, version: Int, name: String, reason: String)

    public var code: String {
        switch self {
        case .changed: "migration_changed"
        case .missing: "migration_missing"
        case .duplicateVersion: "migration_duplicate_version"
        case .failed: "migration_failed"
        }
    }

    public var description: String {
        switch self {
        case .changed(let store, let version, let name, let applied, let embedded):
            "\(store) store: migration \(Self.file(version, name)) was applied with checksum \(applied.prefix(12))… "
                + "but this binary carries checksum \(embedded.prefix(12))…; applied migrations must never change — "
                + "restore the file and put the change in a new migration"
        case .missing(let store, let version, let name):
            "\(store) store: migration \(Self.file(version, name)) is recorded as applied but this binary does not carry it; "
                + "the database is newer than this binary or the file was removed"
        case .duplicateVersion(let store, let version):
            "\(store) store: two migrations share version \(String(format: "%04d", version))"
        case .failed(let store, let version, let name, let reason):
            "\(store) store: migration \(Self.file(version, name)) failed and was rolled back: \(reason)"
        }
    }

    private static func file(_ version: Int, _ name: String) -> String {
        "\(String(format: "%04d", version))_\(name).sql"
    }
}
