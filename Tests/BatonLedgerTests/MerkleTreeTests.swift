import BatonCore
import Crypto
import Foundation
import Testing

@testable import BatonLedger

/// The RFC 6962 Merkle tree the ledger will publish (issue 19): hashes, the growing right
/// edge, and inclusion and consistency proofs, checked against the RFC's definitions and
/// the Certificate Transparency test tree.
@Suite("The ledger's Merkle tree: RFC 6962 hashes and proofs")
struct MerkleTreeTests {
    /// The eight leaves of the Certificate Transparency reference tests, and the roots of their first 1…8.
    static let ctLeaves: [[UInt8]] = [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43], Array(0x50...0x57), Array(0x60...0x6f),
    ]
    static let ctRoots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4", "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c", "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    /// Every completed subtree, as the frontier reports them.
    struct StoredNodes: MerkleNodeSource {
        var nodes: [String: [UInt8]] = [:]
        func hash(level: Int, index: Int64) async throws -> [UInt8] {
            guard let hash = nodes["\(level)/\(index)"] else { throw LedgerError.readFailed("no node \(level)/\(index)") }
            return hash
        }
    }

    /// The RFC's recursive definition, as the reference.
    static func referenceRoot(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        switch leaves.count {
        case 0: return MerkleHash.empty
        case 1: return leaves.first!
        default:
            let k = Int(MerkleHash.split(Int64(leaves.count)))
            return MerkleHash.node(referenceRoot(leaves.prefix(k)), referenceRoot(leaves.dropFirst(k)))
        }
    }

    static func grown(_ count: Int) -> (TreeFrontier, StoredNodes, [[UInt8]], [[UInt8]]) {
        var frontier = TreeFrontier()
        var nodes = StoredNodes()
        var leaves: [[UInt8]] = []
        var roots: [[UInt8]] = []
        for index in 0..<count {
            let leaf = MerkleHash.leaf(Array("entry \(index)".utf8))
            leaves.append(leaf)
            for node in frontier.append(leaf) { nodes.nodes["\(node.level)/\(node.index)"] = node.hash }
            roots.append(frontier.root)
        }
        return (frontier, nodes, leaves, roots)
    }

    @Test("the empty tree and the Certificate Transparency test tree have the published roots")
    func knownRoots() {
        #expect(Hex.encode(MerkleHash.empty) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var frontier = TreeFrontier()
        for (index, leaf) in Self.ctLeaves.enumerated() {
            frontier.append(MerkleHash.leaf(leaf))
            #expect(Hex.encode(frontier.root) == Self.ctRoots[index], "tree of \(index + 1)")
        }
    }

    @Test("the frontier's root equals the RFC's recursive definition for every size to 300, and it restores from its subtrees")
    func frontierMatchesDefinition() throws {
        let (frontier, _, leaves, roots) = Self.grown(300)
        for size in 1...300 { #expect(roots[size - 1] == Self.referenceRoot(leaves.prefix(size)[...]), "size \(size)") }
        let restored = try TreeFrontier(size: frontier.size, subtrees: frontier.subtrees)
        #expect(restored.root == frontier.root)
        #expect(throws: LedgerError.self) { try TreeFrontier(size: 300, subtrees: [frontier.root]) }
    }

    @Test("inclusion proofs for every leaf of every tree to 70 leaves verify; a wrong leaf, index, size, root or path does not")
    func inclusion() async throws {
        let (_, nodes, leaves, roots) = Self.grown(70)
        for size in Int64(1)...70 {
            let root = roots[Int(size) - 1]
            for index in Int64(0)..<size {
                let proof = try await MerkleProofs.inclusion(of: index, size: size, in: nodes)
                let leaf = leaves[Int(index)]
                #expect(MerkleProofs.verifyInclusion(leaf: leaf, index: index, size: size, proof: proof, root: root), "\(index) in \(size)")
                #expect(!MerkleProofs.verifyInclusion(leaf: MerkleHash.leaf([1]), index: index, size: size, proof: proof, root: root))
                if size > 1 {
                    #expect(!MerkleProofs.verifyInclusion(leaf: leaf, index: (index + 1) % size, size: size, proof: proof, root: root))
                    #expect(!MerkleProofs.verifyInclusion(leaf: leaf, index: index, size: size, proof: proof.dropLast(), root: root))
                    #expect(!MerkleProofs.verifyInclusion(leaf: leaf, index: index, size: size, proof: proof, root: roots[Int(size) - 2]))
                }
            }
        }
        #expect(try await MerkleProofs.root(start: 0, size: 70, in: nodes) == roots[69])
    }

    @Test("consistency proofs between every pair of sizes to 70 verify; swapped roots, a cut proof or a forked history do not")
    func consistency() async throws {
        let (_, nodes, _, roots) = Self.grown(70)
        for new in Int64(1)...70 {
            for old in Int64(1)...new {
                let proof = try await MerkleProofs.consistency(from: old, to: new, in: nodes)
                let (oldRoot, newRoot) = (roots[Int(old) - 1], roots[Int(new) - 1])
                #expect(MerkleProofs.verifyConsistency(old: old, new: new, oldRoot: oldRoot, newRoot: newRoot, proof: proof), "\(old) → \(new)")
                if old < new {
                    #expect(!MerkleProofs.verifyConsistency(old: old, new: new, oldRoot: newRoot, newRoot: oldRoot, proof: proof))
                    if !proof.isEmpty {
                        #expect(!MerkleProofs.verifyConsistency(old: old, new: new, oldRoot: oldRoot, newRoot: newRoot, proof: proof.dropLast()))
                    }
                }
            }
        }
        // A history rewritten at leaf 10: its tree of 40 is not an extension of the real tree of 20.
        var forked = TreeFrontier()
        var forkedNodes = StoredNodes()
        for index in 0..<40 {
            let leaf = MerkleHash.leaf(Array((index == 10 ? "rewritten" : "entry \(index)").utf8))
            for node in forked.append(leaf) { forkedNodes.nodes["\(node.level)/\(node.index)"] = node.hash }
        }
        let proof = try await MerkleProofs.consistency(from: 20, to: 40, in: forkedNodes)
        #expect(!MerkleProofs.verifyConsistency(old: 20, new: 40, oldRoot: roots[19], newRoot: forked.root, proof: proof))
    }
}
