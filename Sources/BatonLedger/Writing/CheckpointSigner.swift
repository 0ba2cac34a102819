import BatonStorage
import Crypto
import Foundation

/// Signs ledger checkpoints with the ledger's Ed25519 key, kept in the data directory.
public struct CheckpointSigner: Sendable {
    let key: Curve25519.Signing.PrivateKey

    /// The first 8 bytes of the public key, hex: names the key in each checkpoint.
    public var keyID: String { key.publicKey.rawRepresentation.prefix(8).map { String(format: "%02x", $0) }.joined() }

    /// The public key, for outside witnesses.
    public var publicKey: Curve25519.Signing.PublicKey { key.publicKey }

    public init(key: Curve25519.Signing.PrivateKey) {
        self.key = key
    }

    /// The key in `ledger-signing.key` (created 0600 on first use).
    public static func load(from directory: DataDirectory) throws -> CheckpointSigner {
        let bytes = try directory.secretKey(named: fileName)
        return CheckpointSigner(key: try Curve25519.Signing.PrivateKey(rawRepresentation: bytes))
    }

    /// The key every daemon on a PostgreSQL database shares (created on first use, kept
    /// sealed with `sealingKey`, `BATON_VAULT_KEY`): one ledger, one signer, whichever daemon
    /// signs a checkpoint.
    public static func load(from database: PostgresStorage, sealingKey: SymmetricKey) async throws -> CheckpointSigner {
        let bytes = try await database.sharedSecret(named: sharedSecretName, sealingKey: sealingKey) {
            Curve25519.Signing.PrivateKey().rawRepresentation
        }
        return CheckpointSigner(key: try Curve25519.Signing.PrivateKey(rawRepresentation: bytes))
    }

    /// The name the key is kept under in PostgreSQL (`baton_secrets`).
    public static let sharedSecretName = "ledger signing key"

    /// The file the key is kept in, in a data directory.
    public static let fileName = "ledger-signing.key"

    /// Signs `message` with the ledger key (Ed25519): the daemon's signature on what it
    /// asserts outside the ledger, such as the delegation chain it hands an A2A agent.
    public func signature(for message: some DataProtocol) throws -> Data {
        try key.signature(for: message)
    }

    func sign(sequence: Int64, hash: [UInt8], timestamp: Int64) throws -> Data {
        try key.signature(for: Self.message(sequence: sequence, hash: hash, timestamp: timestamp))
    }

    /// Whether `signature` is `publicKey`'s signature of the checkpoint at `sequence` with `hash`, made at `timestamp`.
    public static func isValid(
        _ signature: some DataProtocol, sequence: Int64, hash: [UInt8], timestamp: Int64, publicKey: Curve25519.Signing.PublicKey
    ) -> Bool {
        publicKey.isValidSignature(signature, for: message(sequence: sequence, hash: hash, timestamp: timestamp))
    }

    /// What a checkpoint's signature covers.
    public static func message(sequence: Int64, hash: [UInt8], timestamp: Int64) -> Data {
        Data("baton-ledger-checkpoint|\(sequence)|\(hash.map { String(format: "%02x", $0) }.joined())|\(timestamp)".utf8)
    }
}
