internal import CLibCrypto

/// SHA-256 over a context kept in place, for the ledger's own hashing.
///
/// The ledger hashes every entry three times when it is written and again when it is
/// verified (its chain hash, its leaf hash, its share of the tree's inner nodes), tens of
/// millions of small hashes in one `audit verify`. swift-crypto's `SHA256` allocates, zeroes
/// and frees a context object for each and copies its digest out: a quarter of
/// verification's time in a profile. This hashes with OpenSSL's libcrypto (which uses the
/// CPU's SHA extensions where there are some) into the caller's buffer, allocating nothing.
/// The digests are SHA-256's: nothing stored changes. Nothing secret goes through it, so
/// the context is not zeroed after use.
struct SHA256Stream {
    private var context = SHA256_CTX()

    init() {
        SHA256_Init(&context)
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        SHA256_Update(&context, base, bytes.count)
    }

    mutating func update(byte: UInt8) {
        withUnsafeBytes(of: byte) { update($0) }
    }

    /// Writes the 32-byte digest to `output`; the stream is spent.
    mutating func finalize(into output: UnsafeMutableRawPointer) {
        SHA256_Final(output.assumingMemoryBound(to: UInt8.self), &context)
    }

    /// The 32-byte digest; the stream is spent.
    mutating func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: MerkleHash.size) { buffer, count in
            finalize(into: buffer.baseAddress!)
            count = MerkleHash.size
        }
    }
}
