import Crypto
import Foundation
internal import GRDB

/// The emulated instance's data and rules: tables in memory, written through to SQLite so
/// changes survive a restart, queried with encoded queries and filtered by the ACLs as
/// the session user — the user the inbound token was mapped to.
public actor ServiceNowInstance {
    /// The session a request runs as.
    public struct Session: Sendable {
        public let user: ServiceNowRecord
        let subject: ServiceNowACL.Subject
        let query: QuerySession

        public var userName: String { user["user_name"] ?? "" }
    }

    /// One page of a list.
    struct Page: Sendable {
        var records: [ServiceNowRecord]
        /// Rows matching the query before row ACLs (X-Total-Count).
        var total: Int
    }

    let schemas: [String: TableSchema]
    let acl = ServiceNowACL()
    var tables: [String: [ServiceNowRecord]] = [:]
    /// Attachments' bytes by the attachment's sys_id.
    var attachmentFiles: [String: [UInt8]] = [:]
    private var positions: [String: [String: Int]] = [:]
    let database: DatabaseQueue?
    /// The instance's clock, which a test may set wrong.
    public nonisolated let clock = InstanceClock()

    /// Opens the instance stored at `path` (created and seeded on first use), or an in-memory one.
    public init(path: String?, seed: ServiceNowSeed = .standard) throws {
        schemas = TableSchema.standard
        var loaded: [(String, ServiceNowRecord)] = []
        if let path {
            // Private from the start (SQLite gives its journal files the database's mode): 0600, never the umask's 0644.
            if !FileManager.default.fileExists(atPath: path) {
                FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            let database = try DatabaseQueue(path: path)
            try database.write { db in
                try db.execute(
                    sql: "CREATE TABLE IF NOT EXISTS records (tbl TEXT NOT NULL, sys_id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tbl, sys_id))"
                )
            }
            try database.write { db in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS attachment_files (sys_id TEXT PRIMARY KEY, data BLOB NOT NULL)")
            }
            self.database = database
            for row in try database.read({ db in try Row.fetchAll(db, sql: "SELECT sys_id, data FROM attachment_files") }) {
                attachmentFiles[row["sys_id"]] = [UInt8](row["data"] as Data)
            }
            let rows = try database.read { db in try Row.fetchAll(db, sql: "SELECT tbl, data FROM records ORDER BY rowid") }
            for row in rows {
                loaded.append((row["tbl"], try JSONDecoder().decode(ServiceNowRecord.self, from: Data((row["data"] as String).utf8))))
            }
        } else {
            self.database = nil
        }
        let seeding = loaded.isEmpty
        if seeding {
            for (table, records) in seed.tables().sorted(by: { $0.key < $1.key }) { loaded += records.map { (table, $0) } }
        }
        for (table, record) in loaded {
            tables[table, default: []].append(record)
            positions[table, default: [:]][record.sysID] = tables[table]!.count - 1
        }
        if seeding, let database {
            try database.write { db in
                for (table, record) in loaded { try Self.persist(table, record, in: db) }
            }
        }
    }

    public var now: Date { clock.now }

    // MARK: - Sessions

    /// The active, unlocked user whose `field` equals `value` (case-insensitively), if exactly one.
    public func user(where field: String, equals value: String) -> ServiceNowRecord? {
        let matches = (tables["sys_user"] ?? []).filter { ($0[field] ?? "").caseInsensitiveCompare(value) == .orderedSame && !value.isEmpty }
        guard matches.count == 1, let user = matches.first, user["active"] != "false", user["locked_out"] != "true" else { return nil }
        return user
    }

    public func session(for user: ServiceNowRecord) -> Session {
        let groups = (tables["sys_user_grmember"] ?? []).filter { $0["user"] == user.sysID }.compactMap { $0["group"] }
        let roles = Set((user["roles"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        return Session(
            user: user, subject: .init(userID: user.sysID, roles: roles),
            query: QuerySession(userID: user.sysID, userName: user["user_name"] ?? "", groupIDs: groups, now: now))
    }

    // MARK: - Reading

    func list(_ table: String, query: EncodedQuery, limit: Int, offset: Int, as session: Session) throws -> Page {
        let schema = try schema(table)
        let known = query.droppingConditions { !self.isKnownPath($0, in: schema) }
        let evaluator = evaluator(for: session, table: table)
        var matching: [ServiceNowRecord] = []
        for record in tables[table] ?? [] where try evaluator.matches(record, known) { matching.append(record) }
        let sorted = evaluator.sorted(matching, by: known.ordering)
        // The page is cut before the row ACLs run, as on a real instance.
        let page = sorted.dropFirst(offset).prefix(limit)
        return Page(records: page.filter { canRead($0, table: table, as: session) }, total: sorted.count)
    }

    func get(_ table: String, sysID: String, as session: Session) throws -> ServiceNowRecord {
        _ = try schema(table)
        guard let record = record(table, sysID), canRead(record, table: table, as: session) else { throw ServiceNowFailure.noRecord }
        return record
    }

    /// How many records of `table` exist, and how many `session` may read: the admin view.
    public func visibility(_ table: String, as session: Session) -> (total: Int, readable: Int, hidden: [ServiceNowRecord]) {
        let records = tables[table] ?? []
        let hidden = records.filter { !canRead($0, table: table, as: session) }
        return (records.count, records.count - hidden.count, hidden)
    }

    /// A field's value, following references for dot-walked paths.
    func resolve(_ record: ServiceNowRecord, _ path: String, in table: String) -> (value: String, display: String?, isReference: Bool) {
        var current = record
        var currentTable = table
        let parts = path.split(separator: ".").map(String.init)
        for (index, part) in parts.enumerated() {
            let value = current[part] ?? ""
            guard case .reference(let target)? = schemas[currentTable]?.kind(of: part) else {
                return (index == parts.count - 1 ? value : "", nil, false)
            }
            let referenced = self.record(target, value)
            if index == parts.count - 1 {
                return (value, referenced.map { displayValue(of: $0, in: target) }, true)
            }
            guard let referenced else { return ("", nil, false) }
            current = referenced
            currentTable = target
        }
        return ("", nil, false)
    }

    func displayValue(of record: ServiceNowRecord, in table: String) -> String {
        record[schemas[table]?.displayField ?? "sys_id"] ?? ""
    }

    func isKnownPath(_ path: String, in schema: TableSchema) -> Bool {
        var current = schema
        let parts = path.split(separator: ".").map(String.init)
        for (index, part) in parts.enumerated() {
            guard let kind = current.kind(of: part) else { return false }
            if index == parts.count - 1 { return true }
            guard case .reference(let target) = kind, let next = schemas[target] else { return false }
            current = next
        }
        return false
    }

    /// Journal entries of a record, newest first, that `session` may read.
    func journal(of sysID: String, element: String, as session: Session, parentReadable: Bool) -> [ServiceNowRecord] {
        (tables["sys_journal_field"] ?? []).filter { $0["element_id"] == sysID && $0["element"] == element }
            .filter { acl.canReadJournal($0, parentReadable: parentReadable, as: session.subject) }
            .reversed()
    }

    // MARK: - Writing

    func insert(_ table: String, values: [String: String], as session: Session) throws -> ServiceNowRecord {
        let schema = try schema(table)
        guard acl.canCreate(table: table, as: session.subject) else { throw ServiceNowFailure.insertDenied }
        let timestamp = ServiceNowTime.format(now)
        var record: ServiceNowRecord = [:]
        for (name, kind) in schema.fields where kind != .journal { record[name] = "" }
        record.merge(writable(values, schema: schema, table: table, session: session)) { $1 }
        record["sys_id"] = Self.newSysID()
        record["sys_class_name"] = table
        record["sys_domain"] = "global"
        record["sys_domain_path"] = "/"
        record["sys_created_on"] = timestamp
        record["sys_created_by"] = session.userName
        record["sys_updated_on"] = timestamp
        record["sys_updated_by"] = session.userName
        record["sys_mod_count"] = "0"
        if table == "incident" { applyIncidentDefaults(&record, session: session, timestamp: timestamp) }
        if table == "change_request" || table == "change_task" { applyChangeDefaults(&record, table: table, session: session) }
        if let prefix = schema.numberPrefix, (record["number"] ?? "").isEmpty { record["number"] = nextNumber(table, prefix: prefix) }
        append(record, to: table)
        try persist(table, record)
        try writeJournals(values, schema: schema, table: table, sysID: record.sysID, session: session, timestamp: timestamp)
        return record
    }

    func update(_ table: String, sysID: String, values: [String: String], as session: Session) throws -> ServiceNowRecord {
        let schema = try schema(table)
        guard var record = record(table, sysID), canRead(record, table: table, as: session) else { throw ServiceNowFailure.noRecord }
        let fields = Set(values.keys.filter { schema.kind(of: $0) != nil && !$0.hasPrefix("sys_") })
        guard acl.canWrite(record, table: table, fields: fields, as: session.subject) else { throw ServiceNowFailure.updateDenied }
        let timestamp = ServiceNowTime.format(now)
        record.merge(writable(values, schema: schema, table: table, session: session)) { $1 }
        if table == "incident" { recomputeIncident(&record, changed: fields, session: session, timestamp: timestamp) }
        if table == "change_request", fields.contains("state") {
            record["active"] = TableSchema.isChangeClosed(state: record["state"] ?? "") ? "false" : "true"
        }
        record["sys_updated_on"] = timestamp
        record["sys_updated_by"] = session.userName
        record["sys_mod_count"] = String((Int(record["sys_mod_count"] ?? "0") ?? 0) + 1)
        replace(record, in: table)
        try persist(table, record)
        try writeJournals(values, schema: schema, table: table, sysID: sysID, session: session, timestamp: timestamp)
        return record
    }

    func delete(_ table: String, sysID: String, as session: Session) throws {
        _ = try schema(table)
        guard let record = record(table, sysID), canRead(record, table: table, as: session) else { throw ServiceNowFailure.noRecord }
        guard acl.canDelete(table: table, as: session.subject) else { throw ServiceNowFailure.deleteDenied }
        tables[table]?.removeAll { $0.sysID == sysID }
        reindex(table)
        try database?.write { db in try db.execute(sql: "DELETE FROM records WHERE tbl = ? AND sys_id = ?", arguments: [table, sysID]) }
    }

    // MARK: - Private

    func schema(_ table: String) throws -> TableSchema {
        guard let schema = schemas[table] else { throw ServiceNowFailure.invalidTable(table) }
        return schema
    }

    func evaluator(for session: Session, table: String) -> QueryEvaluator {
        QueryEvaluator(session: session.query) { record, path in self.resolve(record, path, in: table) }
    }

    func canRead(_ record: ServiceNowRecord, table: String, as session: Session) -> Bool {
        if table == "sys_attachment" {
            // An attachment is readable exactly when the record it hangs on is.
            let parentTable = record["table_name"] ?? ""
            return self.record(parentTable, record["table_sys_id"] ?? "").map { acl.canRead($0, table: parentTable, as: session.subject) } ?? false
        }
        if table == "sys_journal_field" {
            let parentTable = record["name"] ?? ""
            let parent = self.record(parentTable, record["element_id"] ?? "")
            return acl.canReadJournal(
                record, parentReadable: parent.map { acl.canRead($0, table: parentTable, as: session.subject) } ?? false, as: session.subject)
        }
        return acl.canRead(record, table: table, as: session.subject)
    }

    func recordByID(_ table: String, _ sysID: String) -> ServiceNowRecord? {
        record(table, sysID)
    }

    func visibility(of record: ServiceNowRecord, table: String, as session: Session) -> Bool {
        canRead(record, table: table, as: session)
    }

    func record(_ table: String, _ sysID: String) -> ServiceNowRecord? {
        guard let index = positions[table]?[sysID] else { return nil }
        return tables[table]?[index]
    }

    /// Values a client may set: known, non-system, non-journal fields; references by sys_id.
    /// The values a client may write, each `javascript:` value evaluated as the instance
    /// evaluates it in a query (`javascript:gs.getUserID()` → the caller's sys_id); an
    /// expression the instance does not know stores nothing.
    private func writable(_ values: [String: String], schema: TableSchema, table: String, session: Session) -> [String: String] {
        let evaluator = evaluator(for: session, table: table)
        var writable: [String: String] = [:]
        for (name, value) in values {
            guard let kind = schema.kind(of: name), !name.hasPrefix("sys_"), kind != .journal else { continue }
            writable[name] = value.hasPrefix("javascript:") ? ((try? evaluator.evaluate(value))?.joined(separator: ",") ?? "") : value
        }
        return writable
    }

    private func applyIncidentDefaults(_ record: inout ServiceNowRecord, session: Session, timestamp: String) {
        for (field, value) in [("state", "1"), ("impact", "3"), ("urgency", "3"), ("category", "inquiry"), ("active", "true")]
        where (record[field] ?? "").isEmpty {
            record[field] = value
        }
        if (record["opened_by"] ?? "").isEmpty { record["opened_by"] = session.user.sysID }
        if (record["caller_id"] ?? "").isEmpty { record["caller_id"] = session.user.sysID }
        if (record["opened_at"] ?? "").isEmpty { record["opened_at"] = timestamp }
        recomputeIncident(&record, changed: ["impact", "urgency", "state"], session: session, timestamp: timestamp)
    }

    /// A new change: its model's first state (normal New, emergency Authorize, standard
    /// Scheduled), the caller as requester and opener; a task starts Open.
    private func applyChangeDefaults(_ record: inout ServiceNowRecord, table: String, session: Session) {
        if table == "change_task" {
            if (record["state"] ?? "").isEmpty { record["state"] = "1" }
            record["active"] = "true"
            return
        }
        if (record["type"] ?? "").isEmpty { record["type"] = "normal" }
        if (record["state"] ?? "").isEmpty {
            record["state"] = ["emergency": "-3", "standard": "-2"][record["type"] ?? ""] ?? "-5"
        }
        for (field, value) in [("risk", "3"), ("impact", "3"), ("priority", "4")] where (record[field] ?? "").isEmpty { record[field] = value }
        if (record["requested_by"] ?? "").isEmpty { record["requested_by"] = session.user.sysID }
        if (record["opened_by"] ?? "").isEmpty { record["opened_by"] = session.user.sysID }
        record["active"] = TableSchema.isChangeClosed(state: record["state"] ?? "") ? "false" : "true"
    }

    /// Priority from impact × urgency; `incident_state` mirrors `state`; states 7 and 8 are inactive.
    private func recomputeIncident(_ record: inout ServiceNowRecord, changed: Set<String>, session: Session, timestamp: String) {
        if !changed.isDisjoint(with: ["impact", "urgency"]), let impact = Int(record["impact"] ?? ""), let urgency = Int(record["urgency"] ?? "") {
            let matrix = [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
            if (1...3).contains(impact), (1...3).contains(urgency) { record["priority"] = String(matrix[impact - 1][urgency - 1]) }
        }
        if changed.contains("state"), let state = Int(record["state"] ?? "") {
            record["incident_state"] = String(state)
            record["active"] = TableSchema.isClosed(state: state) ? "false" : "true"
            if state == 6, (record["resolved_at"] ?? "").isEmpty { record["resolved_at"] = timestamp }
            if state == 7, (record["closed_at"] ?? "").isEmpty { record["closed_at"] = timestamp }
        }
    }

    private func writeJournals(
        _ values: [String: String], schema: TableSchema, table: String, sysID: String, session: Session, timestamp: String
    ) throws {
        for (name, kind) in schema.fields where kind == .journal {
            guard let text = values[name], !text.isEmpty else { continue }
            let entry: ServiceNowRecord = [
                "sys_id": Self.newSysID(), "element_id": sysID, "name": table, "element": name, "value": text,
                "sys_created_on": timestamp, "sys_created_by": session.userName, "sys_updated_on": timestamp,
                "sys_updated_by": session.userName, "sys_mod_count": "0", "sys_class_name": "sys_journal_field", "sys_domain": "global",
                "sys_domain_path": "/",
            ]
            append(entry, to: "sys_journal_field")
            try persist("sys_journal_field", entry)
        }
    }

    private func nextNumber(_ table: String, prefix: String) -> String {
        let highest = (tables[table] ?? []).compactMap { Int(($0["number"] ?? "").dropFirst(prefix.count)) }.max() ?? 10_000
        return prefix + String(format: "%07d", highest + 1)
    }

    func append(_ record: ServiceNowRecord, to table: String) {
        tables[table, default: []].append(record)
        positions[table, default: [:]][record.sysID] = tables[table]!.count - 1
    }

    private func replace(_ record: ServiceNowRecord, in table: String) {
        guard let index = positions[table]?[record.sysID] else { return }
        tables[table]?[index] = record
    }

    func reindex(_ table: String) {
        positions[table] = Dictionary(uniqueKeysWithValues: (tables[table] ?? []).enumerated().map { ($0.element.sysID, $0.offset) })
    }

    func persist(_ table: String, _ record: ServiceNowRecord) throws {
        try database?.write { db in try Self.persist(table, record, in: db) }
    }

    private static func persist(_ table: String, _ record: ServiceNowRecord, in db: Database) throws {
        let data = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        try db.execute(
            sql: "INSERT INTO records (tbl, sys_id, data) VALUES (?, ?, ?) ON CONFLICT (tbl, sys_id) DO UPDATE SET data = excluded.data",
            arguments: [table, record.sysID, data])
    }

    static func newSysID() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    /// A stable sys_id for seeded records, so ids survive re-seeding.
    static func seededSysID(_ name: String) -> String {
        Insecure.MD5.hash(data: Data(name.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
