import BatonCore
import Crypto
import Synchronization

/// Tokens whose signature this process already checked, so the same bytes arriving at the
/// next hop skip the parse and the RSA verification.
///
/// Keyed by the SHA-256 of the token (the token itself is not kept). An entry holds what
/// the signature vouched for — the claims, the algorithm and the `kid` — until the token's
/// `exp`. Every other check (issuer, key still published, times, audience, user, scopes)
/// still runs on every use. Bounded: when full, the CLOCK approximation of
/// least-recently-used picks the entry to drop. A capacity of 0 turns it off.
final class VerifiedTokenCache: Sendable {
    struct Entry: Sendable {
        let claims: JSONObject
        let algorithm: JWSAlgorithm
        let kid: String
        let expiresAt: Int64
        /// The token's fingerprint, computed once.
        let fingerprint: TokenFingerprint
    }

    private struct Slot {
        var key: SHA256Digest
        var entry: Entry
        var referenced: Bool
    }

    private struct State {
        var index: [SHA256Digest: Int] = [:]
        var slots: [Slot] = []
        var hand = 0
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// The cache key of `token`.
    static func key(of token: String) -> SHA256Digest {
        var token = token
        return token.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
    }

    /// The entry for `key` if it is there and its token has not expired at `now` (Unix seconds).
    func entry(for key: SHA256Digest, now: Int64) -> Entry? {
        guard capacity > 0 else { return nil }
        return state.withLock { state in
            guard let slot = state.index[key] else { return nil }
            guard state.slots[slot].entry.expiresAt >= now else { return nil }
            state.slots[slot].referenced = true
            return state.slots[slot].entry
        }
    }

    func insert(_ entry: Entry, for key: SHA256Digest) {
        guard capacity > 0 else { return }
        state.withLock { state in
            if let slot = state.index[key] {
                state.slots[slot].entry = entry
                return
            }
            if state.slots.count < capacity {
                state.index[key] = state.slots.count
                state.slots.append(Slot(key: key, entry: entry, referenced: false))
                return
            }
            // CLOCK: give referenced entries a second chance, replace the first that has none left.
            while state.slots[state.hand].referenced {
                state.slots[state.hand].referenced = false
                state.hand = (state.hand + 1) % state.slots.count
            }
            let evicted = state.slots[state.hand].key
            if state.index[evicted] == state.hand { state.index[evicted] = nil }
            state.slots[state.hand] = Slot(key: key, entry: entry, referenced: false)
            state.index[key] = state.hand
            state.hand = (state.hand + 1) % state.slots.count
        }
    }

    /// Forgets `key`, e.g. when the key its token was signed with is no longer published.
    func remove(_ key: SHA256Digest) {
        state.withLock { state in
            guard let slot = state.index[key] else { return }
            // The slot stays; an expired entry nobody finds is reused by the hand.
            state.index[key] = nil
            let old = state.slots[slot].entry
            state.slots[slot].entry = Entry(claims: [:], algorithm: old.algorithm, kid: "", expiresAt: .min, fingerprint: old.fingerprint)
            state.slots[slot].referenced = false
        }
    }

    var count: Int { state.withLock { $0.index.count } }
}
