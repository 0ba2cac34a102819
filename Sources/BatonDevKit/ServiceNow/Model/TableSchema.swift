/// How the emulator stores and compares one field.
public enum FieldKind: Sendable, Equatable {
    case string
    case integer
    case boolean
    case dateTime
    /// A sys_id pointing into `table`.
    case reference(table: String)
    /// Write-only journal input (`comments`, `work_notes`): each write becomes a `sys_journal_field` row.
    case journal
    /// An integer choice with labels, e.g. `state` 1 → New.
    case choice([String: String])
}

/// The fields of one table, its display field and the prefix of its `number`.
public struct TableSchema: Sendable {
    public let name: String
    public let fields: [(name: String, kind: FieldKind)]
    /// The field whose value names a record (`number` for incidents, `name` for users).
    public let displayField: String
    /// `INC` for incidents: new records get `INC` + 7 digits.
    public let numberPrefix: String?

    public init(name: String, fields: [(String, FieldKind)], displayField: String, numberPrefix: String? = nil) {
        self.name = name
        self.fields = TableSchema.systemFields + fields.map { (name: $0.0, kind: $0.1) }
        self.displayField = displayField
        self.numberPrefix = numberPrefix
    }

    public func kind(of field: String) -> FieldKind? {
        fields.first { $0.name == field }?.kind
    }

    static let systemFields: [(name: String, kind: FieldKind)] = [
        ("sys_id", .string), ("sys_created_on", .dateTime), ("sys_created_by", .string), ("sys_updated_on", .dateTime),
        ("sys_updated_by", .string), ("sys_mod_count", .integer), ("sys_class_name", .string), ("sys_domain", .string),
        ("sys_domain_path", .string),
    ]
}

extension TableSchema {
    /// The base instance's incident states, and the seed instance's custom `9` Assigned.
    static let incidentState: [String: String] = [
        "1": "New", "2": "In Progress", "3": "On Hold", "6": "Resolved", "7": "Closed", "8": "Canceled", "9": "Assigned",
    ]

    /// Whether an incident in `state` is no longer active (Closed or Canceled).
    static func isClosed(state: Int) -> Bool { state == 7 || state == 8 }
    static let priority: [String: String] = ["1": "1 - Critical", "2": "2 - High", "3": "3 - Moderate", "4": "4 - Low", "5": "5 - Planning"]
    static let impact: [String: String] = ["1": "1 - High", "2": "2 - Medium", "3": "3 - Low"]
    /// A change request's states (the base instance's change model).
    static let changeState: [String: String] = [
        "-5": "New", "-4": "Assess", "-3": "Authorize", "-2": "Scheduled", "-1": "Implement", "0": "Review", "3": "Closed", "4": "Canceled",
    ]
    static let changeRisk: [String: String] = ["1": "Very High", "2": "High", "3": "Moderate", "4": "Low"]
    static let changeTaskState: [String: String] = ["1": "Open", "2": "Work in Progress", "3": "Closed", "4": "Canceled", "-5": "Pending"]

    /// Whether a change in `state` is over (Closed or Canceled).
    static func isChangeClosed(state: String) -> Bool { state == "3" || state == "4" }

    /// The tables the emulator serves.
    public static let standard: [String: TableSchema] = Dictionary(
        uniqueKeysWithValues: [
            TableSchema(
                name: "incident",
                fields: [
                    ("number", .string), ("short_description", .string), ("description", .string), ("state", .choice(incidentState)),
                    ("incident_state", .choice(incidentState)), ("priority", .choice(priority)), ("impact", .choice(impact)),
                    ("urgency", .choice(impact)), ("category", .string), ("subcategory", .string),
                    ("assignment_group", .reference(table: "sys_user_group")), ("assigned_to", .reference(table: "sys_user")),
                    ("caller_id", .reference(table: "sys_user")), ("opened_by", .reference(table: "sys_user")), ("opened_at", .dateTime),
                    ("resolved_at", .dateTime), ("closed_at", .dateTime), ("active", .boolean), ("watch_list", .string),
                    ("close_code", .string), ("close_notes", .string), ("comments", .journal), ("work_notes", .journal),
                ], displayField: "number", numberPrefix: "INC"),
            TableSchema(
                name: "sys_user",
                fields: [
                    ("user_name", .string), ("first_name", .string), ("last_name", .string), ("name", .string), ("email", .string),
                    ("title", .string), ("department", .string), ("active", .boolean), ("locked_out", .boolean), ("roles", .string),
                ], displayField: "name"),
            TableSchema(
                name: "sys_user_group",
                fields: [("name", .string), ("description", .string), ("active", .boolean)], displayField: "name"),
            TableSchema(
                name: "sys_user_grmember",
                fields: [("user", .reference(table: "sys_user")), ("group", .reference(table: "sys_user_group"))], displayField: "sys_id"),
            TableSchema(
                name: "change_request",
                fields: [
                    ("number", .string), ("short_description", .string), ("description", .string), ("type", .string),
                    ("state", .choice(changeState)), ("priority", .choice(priority)), ("risk", .choice(changeRisk)), ("impact", .choice(impact)),
                    ("category", .string), ("assignment_group", .reference(table: "sys_user_group")),
                    ("assigned_to", .reference(table: "sys_user")), ("requested_by", .reference(table: "sys_user")),
                    ("opened_by", .reference(table: "sys_user")), ("start_date", .dateTime), ("end_date", .dateTime), ("justification", .string),
                    ("implementation_plan", .string), ("backout_plan", .string), ("test_plan", .string),
                    ("std_change_producer_version", .reference(table: "std_change_producer_version")), ("active", .boolean),
                    ("close_code", .string), ("close_notes", .string), ("comments", .journal), ("work_notes", .journal),
                ], displayField: "number", numberPrefix: "CHG"),
            TableSchema(
                name: "change_task",
                fields: [
                    ("number", .string), ("change_request", .reference(table: "change_request")), ("short_description", .string),
                    ("description", .string), ("state", .choice(changeTaskState)), ("change_task_type", .string),
                    ("assignment_group", .reference(table: "sys_user_group")), ("assigned_to", .reference(table: "sys_user")),
                    ("active", .boolean), ("work_notes", .journal),
                ], displayField: "number", numberPrefix: "CTASK"),
            TableSchema(
                name: "std_change_producer_version",
                fields: [("name", .string), ("short_description", .string), ("template", .string), ("active", .boolean)],
                displayField: "name"),
            TableSchema(
                name: "sys_attachment",
                fields: [
                    ("file_name", .string), ("table_name", .string), ("table_sys_id", .string), ("content_type", .string),
                    ("size_bytes", .integer), ("size_compressed", .integer), ("compressed", .boolean), ("hash", .string), ("state", .string),
                ], displayField: "file_name"),
            TableSchema(
                name: "sys_journal_field",
                fields: [("element_id", .string), ("name", .string), ("element", .string), ("value", .string)], displayField: "value"),
        ].map { ($0.name, $0) })
}
