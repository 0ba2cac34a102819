import BatonCore
import BatonIdentity
import Foundation

/// The vault's in-memory tier: a bounded least-recently-used map of unsealed tokens.
///
/// A value type owned by the ``TokenVault`` actor, so every access is serialised without
/// a lock. Tokens here never touch disk.
struct HotTokenCache {
    struct Entry {
        let token: Secret
        let expiresAt: Date
        let tenantID: String
        let objectID: String
        let agent: String
    }

    private final class Node {
        let key: VaultKey
        var entry: Entry
        var previous: Node?
        var next: Node?

        init(key: VaultKey, entry: Entry) {
            self.key = key
            self.entry = entry
        }
    }

    let capacity: Int
    private var nodes: [VaultKey: Node] = [:]
    private var newest: Node?
    private var oldest: Node?

    init(capacity: Int) {
        precondition(capacity > 0, "the hot tier needs room for at least one token")
        self.capacity = capacity
    }

    var count: Int { nodes.count }

    /// The entry under `key` if unexpired at `now`, marking it most recently used; an expired one is dropped.
    mutating func get(_ key: VaultKey, now: Date) -> Entry? {
        guard let node = nodes[key] else { return nil }
        guard node.entry.expiresAt > now else {
            remove(key)
            return nil
        }
        moveToFront(node)
        return node.entry
    }

    mutating func put(_ key: VaultKey, _ entry: Entry) {
        if let node = nodes[key] {
            node.entry = entry
            moveToFront(node)
            return
        }
        let node = Node(key: key, entry: entry)
        nodes[key] = node
        link(node)
        if nodes.count > capacity, let evicted = oldest { remove(evicted.key) }
    }

    mutating func remove(_ key: VaultKey) {
        guard let node = nodes.removeValue(forKey: key) else { return }
        unlink(node)
    }

    /// Drops every entry matching `predicate` (a purged user or agent).
    mutating func removeAll(where predicate: (Entry) -> Bool) {
        for (key, node) in nodes where predicate(node.entry) { remove(key) }
    }

    private mutating func moveToFront(_ node: Node) {
        guard newest !== node else { return }
        unlink(node)
        link(node)
    }

    private mutating func link(_ node: Node) {
        node.next = newest
        node.previous = nil
        newest?.previous = node
        newest = node
        if oldest == nil { oldest = node }
    }

    private mutating func unlink(_ node: Node) {
        if let previous = node.previous { previous.next = node.next } else { newest = node.next }
        if let next = node.next { next.previous = node.previous } else { oldest = node.previous }
        node.previous = nil
        node.next = nil
    }
}
