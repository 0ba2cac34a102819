import BatonCore

/// Why a store cannot be opened.
public enum StorageError: BatonError, Equatable {
    /// The data directory could not be created or is not a directory.
    case dataDirectoryUnusable(path: String, reason: String)
    /// The data directory or a database file is open to other users.
    case permissionsTooOpen(path: String, mode: UInt16, expected: UInt16)
    /// SQLite refused to open or configure the file.
    case openFailed(path: String, reason: String)
    /// The file holds another store's data, e.g. a ledger database configured as the vault.
    case wrongStore(path: String, expected: String, found: String)
    /// The PostgreSQL database could not be reached, refused the login, or failed a statement.
    case postgres(endpoint: String, reason: String)
    /// The PostgreSQL server cannot be reached (refused, down, restarting): try again later.
    case postgresUnreachable(endpoint: String, reason: String)
    /// A secret the database keeps for every daemon does not open with this daemon's key.
    case sharedSecretUnopenable(name: String)

    public var code: String {
        switch self {
        case .dataDirectoryUnusable: "storage_data_dir_unusable"
        case .permissionsTooOpen: "storage_permissions_too_open"
        case .openFailed: "storage_open_failed"
        case .wrongStore: "storage_wrong_store"
        case .postgres: "storage_postgres"
        case .postgresUnreachable: "storage_postgres_unreachable"
        case .sharedSecretUnopenable: "storage_shared_secret_unopenable"
        }
    }

    public var description: String {
        switch self {
        case .dataDirectoryUnusable(let path, let reason):
            "data directory \(path): \(reason)"
        case .permissionsTooOpen(let path, let mode, let expected):
            "\(path) has mode \(String(mode, radix: 8)), which lets other users read it; "
                + "it holds sealed tokens and audit records — run: chmod \(String(expected, radix: 8)) \(path)"
        case .openFailed(let path, let reason):
            "\(path): cannot open the database: \(reason)"
        case .wrongStore(let path, let expected, let found):
            "\(path) holds the \(found) store, not the \(expected) store; check the file names in the data directory"
        case .postgres(let endpoint, let reason):
            "PostgreSQL at \(endpoint): \(reason)"
        case .postgresUnreachable(let endpoint, let reason):
            "PostgreSQL at \(endpoint) cannot be reached: \(reason)"
        case .sharedSecretUnopenable(let name):
            "the \(name) kept in PostgreSQL does not open with this daemon's BATON_VAULT_KEY: every daemon on the database needs the same BATON_VAULT_KEY"
        }
    }
}
