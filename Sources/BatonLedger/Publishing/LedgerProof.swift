import BatonCore
import Foundation

/// What `baton audit prove` writes and `baton audit check-proof` reads: proof bundles for
/// some entries (all of one chain, or chosen ones), each checkable on its own with the
/// log's verifier key — by Baton or by any tlog verifier that reads proof bundles.
public struct LedgerProof: Sendable, Codable, Equatable {
    /// The chain the entries are of, when the proof is of a chain.
    public var chain: String?
    public var bundles: [ProofBundle]

    public init(chain: String?, bundles: [ProofBundle]) {
        self.chain = chain
        self.bundles = bundles
    }

    /// Checks every bundle against `key`; with a chain, that each entry is of it.
    public func verify(key: NoteVerifierKey) throws(LedgerError) -> [ProofBundle.Proven] {
        guard !bundles.isEmpty else { throw .malformedEvidence("the proof holds no entry") }
        var proven: [ProofBundle.Proven] = []
        for bundle in bundles {
            let entry = try bundle.verify(key: key)
            if let chain, entry.entry.chainID != chain {
                throw .malformedEvidence("entry \(entry.entry.sequence) is of chain \(entry.entry.chainID), not \(chain)")
            }
            proven.append(entry)
        }
        return proven
    }
}
