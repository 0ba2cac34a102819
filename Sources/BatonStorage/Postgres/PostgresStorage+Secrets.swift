public import Crypto
import Foundation
import NIOCore
import PostgresNIO

extension PostgresStorage {
    /// The secret `name` every daemon on the schema shares (`baton_secrets`), sealed with
    /// AES-GCM under `sealingKey` (`BATON_VAULT_KEY`) and bound to its name; the first daemon
    /// to ask creates it with `create`, and every other gets that one.
    ///
    /// - Throws: ``StorageError/sharedSecretUnopenable(name:)`` when the stored secret does
    ///   not open with `sealingKey` (daemons with different keys).
    public func sharedSecret(named name: String, sealingKey: SymmetricKey, create: () -> Data) async throws -> Data {
        if let stored = try await storedSecret(name) { return try open(stored, name: name, key: sealingKey) }
        let sealed = try Self.seal(create(), named: name, key: sealingKey)
        try await query("INSERT INTO baton_secrets (name, sealed) VALUES (\(name), \(ByteBuffer(data: sealed))) ON CONFLICT DO NOTHING").drain()
        guard let stored = try await storedSecret(name) else { throw StorageError.sharedSecretUnopenable(name: name) }
        return try open(stored, name: name, key: sealingKey)
    }

    /// `secret` as `baton_secrets` keeps it: AES-GCM under `key`, bound to `name`.
    public static func seal(_ secret: Data, named name: String, key: SymmetricKey) throws -> Data {
        try AES.GCM.seal(secret, using: key, authenticating: Data(name.utf8)).combined!
    }

    private func storedSecret(_ name: String) async throws -> Data? {
        try await query("SELECT sealed FROM baton_secrets WHERE name = \(name)").decode(ByteBuffer.self).elements().first.map { Data(buffer: $0) }
    }

    private func open(_ sealed: Data, name: String, key: SymmetricKey) throws -> Data {
        do {
            return try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data(name.utf8))
        } catch {
            throw StorageError.sharedSecretUnopenable(name: name)
        }
    }
}
