import Foundation
import GRDB

extension LedgerEntry {
    static let columns =
        "seq, ts_us, chain_id, hop, parent_hop, kind, user_tid, user_oid, user_name, agent, actor_path, target, resource, operation, status, decision, reason, token_fingerprint, token_source, latency_us, trace_id"

    /// Actor paths are stored joined; agent ids never contain the separator.
    static let pathSeparator = ">"

    var rowArguments: StatementArguments {
        [
            sequence, timestamp, chainID, hop, parentHop, kind.rawValue, user?.tenantID, user?.objectID, user?.username, agent,
            actorPath.joined(separator: Self.pathSeparator), target, resource, operation, status, decision?.rawValue, reason, tokenFingerprint,
            tokenSource, latencyMicroseconds, traceID,
        ]
    }

    /// Reads an entry from a row selected with ``columns``; `nil` when a stored value is not one Baton writes.
    init?(row: Row) {
        guard let kind = LedgerEventKind(rawValue: row["kind"]) else { return nil }
        self.init(
            timestamp: row["ts_us"], chainID: row["chain_id"], hop: row["hop"], parentHop: row["parent_hop"], kind: kind, user: nil,
            agent: row["agent"],
            actorPath: (row["actor_path"] as String).split(separator: Character(Self.pathSeparator)).map(String.init), target: row["target"],
            resource: row["resource"], operation: row["operation"], status: row["status"],
            decision: (row["decision"] as String?).flatMap(LedgerDecision.init),
            reason: row["reason"], tokenFingerprint: row["token_fingerprint"], tokenSource: row["token_source"],
            latencyMicroseconds: row["latency_us"],
            traceID: row["trace_id"])
        self.sequence = row["seq"]
        if let tenant: String = row["user_tid"], let object: String = row["user_oid"] {
            self.user = LedgerUser(tenantID: tenant, objectID: object, username: row["user_name"])
        }
    }
}
