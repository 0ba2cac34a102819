import BatonCore
import Crypto
import Foundation

/// Signed checkpoints held outside the ledger — an export (`baton audit checkpoints
/// --export`), or the daemon's ``CheckpointLog`` — and the check of a ledger against them.
///
/// Each one says "the ledger had entry N with this chain hash". A ledger shorter than N was
/// rolled back or cut; one whose hash at N differs was rewritten (however well it was
/// rehashed afterwards). What no outside checkpoint covers — entries after the newest one —
/// can still be cut without a trace.
public struct OutsideCheckpoints: Sendable {
    public let checkpoints: [CheckpointExport.Checkpoint]
    /// Where they came from, for messages.
    public let source: String

    public init(checkpoints: [CheckpointExport.Checkpoint], source: String) {
        self.checkpoints = checkpoints
        self.source = source
    }

    /// Reads an export (one JSON document) or a checkpoint log (one JSON object per line).
    public static func load(_ path: String) throws(LedgerError) -> OutsideCheckpoints {
        guard let data = FileManager.default.contents(atPath: path) else { throw .readFailed("cannot read \(path)") }
        let decoder = JSONDecoder()
        if let export = try? decoder.decode(CheckpointExport.self, from: data) {
            return OutsideCheckpoints(checkpoints: export.checkpoints, source: path)
        }
        var checkpoints: [CheckpointExport.Checkpoint] = []
        for (number, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
            guard let checkpoint = try? decoder.decode(CheckpointExport.Checkpoint.self, from: Data(line)) else {
                throw .malformedEvidence("\(path):\(number + 1): not a checkpoint (expected an export or one JSON checkpoint per line)")
            }
            checkpoints.append(checkpoint)
        }
        guard !checkpoints.isEmpty else { throw .malformedEvidence("\(path): no checkpoint in it") }
        return OutsideCheckpoints(checkpoints: checkpoints, source: path)
    }

    /// The newest entry they vouch for.
    public var latest: Int64 { checkpoints.map(\.sequence).max() ?? 0 }

    /// What is wrong with `records` against these checkpoints, signed with `publicKey`.
    public func problems(in records: any LedgerRecordSource, publicKey: Curve25519.Signing.PublicKey) async throws -> [LedgerProblem] {
        let head = try await records.head()?.sequence ?? 0
        var problems: [LedgerProblem] = []
        for checkpoint in checkpoints.sorted(by: { $0.sequence < $1.sequence }) {
            let sequence = checkpoint.sequence
            guard let hash = Hex.decode(checkpoint.hash), let signature = Data(base64Encoded: checkpoint.signature),
                CheckpointSigner.isValid(signature, sequence: sequence, hash: hash, timestamp: checkpoint.timestampMicroseconds, publicKey: publicKey)
            else {
                problems.append(.foreignCheckpoint(sequence: sequence))
                continue
            }
            if sequence > head {
                problems.append(.rolledBack(checkpoint: sequence, lastEntry: head))
                break
            }
            if try await records.hash(at: sequence) != hash {
                problems.append(.rewritten(sequence: sequence))
            }
        }
        return problems
    }
}
