internal import Crypto
import Foundation

/// One numbered SQL file of a store's schema, such as `migrations/sqlite/ledger/0001_init.sql`.
public struct Migration: Sendable, Equatable {
    /// The storage engine the SQL is written for, e.g. `sqlite`.
    public let engine: String
    /// The store the migration belongs to, e.g. `vault` or `ledger`.
    public let store: String
    /// The number that orders migrations within a store.
    public let version: Int
    /// The descriptive part of the file name, e.g. `init`.
    public let name: String
    /// The SQL to execute, exactly as the file holds it.
    public let sql: String
    /// Lower-case hex SHA-256 of the file's bytes; recorded when the migration is applied.
    public let checksum: String

    public init(engine: String, store: String, version: Int, name: String, sql: String) {
        self.engine = engine
        self.store = store
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The path of the file below `migrations/`.
    public var path: String {
        "\(engine)/\(store)/\(String(format: "%04d", version))_\(name).sql"
    }
}
