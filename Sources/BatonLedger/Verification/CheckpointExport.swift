import Foundation
import GRDB

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

    public static func make(reader: any DatabaseReader, signer: CheckpointSigner) throws -> CheckpointExport {
        let checkpoints = try reader.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, ts_us, hash, signature FROM ledger_checkpoints ORDER BY seq").map { row in
                Checkpoint(
                    sequence: row["seq"], timestampMicroseconds: row["ts_us"],
                    hash: (row["hash"] as Data).map { String(format: "%02x", $0) }.joined(),
                    signature: (row["signature"] as Data).base64EncodedString())
            }
        }
        return CheckpointExport(publicKey: signer.publicKey.rawRepresentation.base64EncodedString(), keyID: signer.keyID, checkpoints: checkpoints)
    }
}
