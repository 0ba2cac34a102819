import BatonCore
import Foundation

/// The signed checkpoints and the key to check them, as JSON for an outside witness.
public struct CheckpointExport: Sendable, Codable, Equatable {
    public struct Checkpoint: Sendable, Codable, Equatable {
        public var sequence: Int64
        public var timestampMicroseconds: Int64
        /// Hex SHA-256 chain hash at `sequence`.
        public var hash: String
        /// Base64 Ed25519 signature over `baton-ledger-checkpoint|seq|hash|timestamp`.
        public var signature: String
    }

    /// Base64 of the raw Ed25519 public key.
    public var publicKey: String
    public var keyID: String
    public var checkpoints: [Checkpoint]

    public static func make(records: any LedgerRecordSource, signer: CheckpointSigner) async throws -> CheckpointExport {
        let checkpoints = try await records.checkpoints().map(Checkpoint.init)
        return CheckpointExport(publicKey: signer.publicKey.rawRepresentation.base64EncodedString(), keyID: signer.keyID, checkpoints: checkpoints)
    }
}
