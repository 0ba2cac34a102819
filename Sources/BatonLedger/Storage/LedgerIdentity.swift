import GRDB

/// Which ledger a database holds (its store instance) and how long it is.
struct LedgerIdentity: Equatable {
    let instance: String
    let last: Int64

    static func read(_ db: Database) throws -> LedgerIdentity {
        LedgerIdentity(
            instance: try String.fetchOne(db, sql: "SELECT instance_id FROM store_identity") ?? "",
            last: try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ledger_entries") ?? 0)
    }
}
