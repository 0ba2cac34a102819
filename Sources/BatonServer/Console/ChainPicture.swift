import BatonLedger
import Foundation

/// One chain as a picture: an SVG tree of the user, the agents that handled each hop and
/// the downstream resources they reached, each with its outcome — by colour *and* by a
/// written label, so colour is never the only signal — its time and where its token came
/// from. Each node links to the ledger entries behind it (`#entry-SEQ` on the same page).
struct ChainPicture {
    /// A box in the tree.
    struct Node: Equatable {
        enum Outcome: String {
            case allowed, denied, error
        }

        var label: String
        var detail: String?
        var outcome: Outcome
        var latencyMicroseconds: Int64?
        var tokenSource: String?
        /// The sequence numbers of the entries behind the node, in order.
        var entries: [Int64]
        var depth: Int
        /// The node this one hangs from, by index; `nil` for the user.
        var parent: Int?
    }

    /// The nodes in drawing order: the user, then depth first.
    let nodes: [Node]

    init(entries: [LedgerEntry]) {
        let entries = entries.sorted { $0.sequence < $1.sequence }
        let byHop = Dictionary(grouping: entries, by: \.hop)
        let parents = Dictionary(entries.compactMap { entry in entry.parentHop.map { (entry.hop, $0) } }, uniquingKeysWith: { first, _ in first })
        let user = entries.first?.user
        var nodes = [
            Node(
                label: user.map { $0.username ?? $0.objectID } ?? "(no user)", detail: "user", outcome: .allowed, entries: [],
                depth: 0, parent: nil)
        ]
        func add(hop: Int, depth: Int, parent: Int) {
            let own = byHop[hop] ?? []
            let index = nodes.count
            nodes.append(Self.agentNode(own, depth: depth, parent: parent))
            for downstream in Self.downstreamNodes(own, depth: depth + 1, parent: index) { nodes.append(downstream) }
            let children = Set(parents.filter { $0.value == hop }.map(\.key)).sorted()
            for child in children { add(hop: child, depth: depth + 1, parent: index) }
        }
        for root in Set(byHop.keys.filter { parents[$0] == nil }).sorted() { add(hop: root, depth: 1, parent: 0) }
        self.nodes = nodes
    }

    /// The agent of one hop: denied when a step of it was, an error when one failed.
    private static func agentNode(_ entries: [LedgerEntry], depth: Int, parent: Int) -> Node {
        let agent = entries.first { $0.agent != nil }?.agent ?? "(unknown agent)"
        let own = entries.filter { $0.kind != .downstream }
        return Node(
            label: agent, detail: "agent", outcome: outcome(of: own), latencyMicroseconds: own.compactMap(\.latencyMicroseconds).max(),
            tokenSource: own.first { $0.kind == .exchange }?.tokenSource, entries: entries.map(\.sequence), depth: depth, parent: parent)
    }

    /// One node per downstream system and resource a hop reached.
    private static func downstreamNodes(_ entries: [LedgerEntry], depth: Int, parent: Int) -> [Node] {
        var nodes: [Node] = []
        var seen: [String: Int] = [:]
        for entry in entries where entry.kind == .downstream {
            let key = "\(entry.target ?? "")|\(entry.resource ?? "")"
            if let index = seen[key] {
                nodes[index].entries.append(entry.sequence)
                nodes[index].outcome = worse(nodes[index].outcome, outcome(of: [entry]))
                continue
            }
            seen[key] = nodes.count
            nodes.append(
                Node(
                    label: entry.target ?? "(downstream)", detail: entry.resource, outcome: outcome(of: [entry]),
                    latencyMicroseconds: entry.latencyMicroseconds, tokenSource: entry.tokenSource, entries: [entry.sequence], depth: depth,
                    parent: parent))
        }
        return nodes
    }

    /// The worst outcome among `entries`: denied when one was refused, an error when one failed.
    static func outcome(of entries: [LedgerEntry]) -> Node.Outcome {
        var outcome = Node.Outcome.allowed
        for entry in entries {
            if entry.kind == .deny || entry.decision == .denied || entry.status == 401 || entry.status == 403 {
                outcome = worse(outcome, .denied)
            } else if entry.kind == .error || (entry.status ?? 0) >= 400 {
                outcome = worse(outcome, .error)
            }
        }
        return outcome
    }

    private static func worse(_ first: Node.Outcome, _ second: Node.Outcome) -> Node.Outcome {
        let rank: [Node.Outcome: Int] = [.allowed: 0, .denied: 1, .error: 2]
        return rank[first]! >= rank[second]! ? first : second
    }

    // MARK: - Drawing

    static let rowHeight = 56
    static let indent = 40
    static let boxWidth = 360
    static let boxHeight = 44

    /// The SVG, sized to its nodes; styled by the console's stylesheet (`outcome-…` classes).
    var svg: HTML {
        let width = (nodes.map(\.depth).max() ?? 0) * Self.indent + Self.boxWidth + 2
        let height = nodes.count * Self.rowHeight
        let summary = nodes.dropFirst().map { "\($0.label): \($0.outcome.rawValue)" }.joined(separator: "; ")
        var parts: [HTML] = []
        for (index, node) in nodes.enumerated() {
            if let parent = node.parent { parts.append(edge(from: parent, to: index)) }
        }
        for (index, node) in nodes.enumerated() { parts.append(box(node, row: index)) }
        return """
            <svg class="chain" role="group" aria-label="The chain: \(summary)" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" xmlns="http://www.w3.org/2000/svg">\(parts)</svg>
            """
    }

    private func edge(from parent: Int, to child: Int) -> HTML {
        let x = nodes[parent].depth * Self.indent + 12
        let (top, bottom) = (parent * Self.rowHeight + Self.boxHeight, child * Self.rowHeight + Self.boxHeight / 2)
        let end = nodes[child].depth * Self.indent
        return "<path class=\"edge\" d=\"M\(x) \(top) V\(bottom) H\(end)\"/>"
    }

    private func box(_ node: Node, row: Int) -> HTML {
        let (x, y) = (node.depth * Self.indent, row * Self.rowHeight)
        var facts = [node.detail, node.outcome == .allowed && node.parent == nil ? nil : node.outcome.rawValue].compactMap { $0 }
        if let latency = node.latencyMicroseconds { facts.append(String(format: "%.1f ms", Double(latency) / 1000)) }
        if let source = node.tokenSource { facts.append("token from \(source)") }
        let title = node.entries.isEmpty ? node.label : "\(node.label): entries \(node.entries.map(String.init).joined(separator: ", "))"
        let shape: HTML = """
            <g class="node outcome-\(node.outcome.rawValue)"><title>\(title)</title><rect x="\(x)" y="\(y)" width="\(Self.boxWidth)" height="\(Self.boxHeight)" rx="6"/><text x="\(x + 10)" y="\(y + 18)" class="label">\(node.label)</text><text x="\(x + 10)" y="\(y + 36)" class="facts">\(facts.joined(separator: " · "))</text></g>
            """
        guard let first = node.entries.first else { return shape }
        return "<a href=\"#entry-\(first)\">\(shape)</a>"
    }
}
