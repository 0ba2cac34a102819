/// The emulator's access rules, modelled on a real instance's out-of-the-box ACLs.
///
/// Incidents: `itil`, `sn_incident_read` and `admin` read every ordinary incident; anyone
/// reads incidents they called in, opened or watch. HR incidents (category `hr`) need
/// `sn_hr_core.case_reader` and security incidents (category `security`) need
/// `sn_si.analyst`, whatever else the user holds — they are invisible to everyone else:
/// dropped from lists, 404 on a direct get. Users and groups are readable by anyone.
struct ServiceNowACL: Sendable {
    struct Subject: Sendable {
        var userID: String
        var roles: Set<String>

        var isAdmin: Bool { roles.contains("admin") }
    }

    /// Categories only a role can see, and that role.
    static let restrictedCategories = ["hr": "sn_hr_core.case_reader", "security": "sn_si.analyst"]

    func canRead(_ record: ServiceNowRecord, table: String, as subject: Subject) -> Bool {
        if subject.isAdmin { return true }
        switch table {
        case "incident":
            if let category = record["category"], let role = Self.restrictedCategories[category] {
                return subject.roles.contains(role)
            }
            if !subject.roles.isDisjoint(with: ["itil", "sn_incident_read", "sn_incident_write"]) { return true }
            return isInvolved(subject, in: record)
        case "change_request", "change_task":
            // Fulfillers read every change; anyone else the changes they asked for or opened.
            if !subject.roles.isDisjoint(with: Self.changeReaders) { return true }
            return record["requested_by"] == subject.userID || record["opened_by"] == subject.userID
        default:
            return true
        }
    }

    /// Roles that read and work every change request and change task.
    static let changeReaders: Set<String> = ["itil", "sn_change_read", "sn_change_write", "change_manager"]

    func canWrite(_ record: ServiceNowRecord, table: String, fields: Set<String>, as subject: Subject) -> Bool {
        if subject.isAdmin { return true }
        switch table {
        case "incident":
            guard canRead(record, table: table, as: subject) else { return false }
            if !subject.roles.isDisjoint(with: ["itil", "sn_incident_write"]) { return true }
            // A caller may add comments to their own incident, nothing else.
            return isInvolved(subject, in: record) && fields.isSubset(of: ["comments"])
        case "change_request", "change_task":
            return !subject.roles.isDisjoint(with: ["itil", "sn_change_write", "change_manager"])
        case "sys_user", "sys_user_group", "sys_user_grmember":
            return subject.roles.contains("user_admin")
        default:
            return false
        }
    }

    func canCreate(table: String, as subject: Subject) -> Bool {
        if subject.isAdmin { return true }
        if table == "change_request" || table == "change_task" {
            return !subject.roles.isDisjoint(with: ["itil", "sn_change_write", "change_manager"])
        }
        return table == "incident"
    }

    func canDelete(table: String, as subject: Subject) -> Bool {
        subject.isAdmin
    }

    /// Journal entries follow their parent record; work notes need a fulfiller role too.
    func canReadJournal(_ entry: ServiceNowRecord, parentReadable: Bool, as subject: Subject) -> Bool {
        guard parentReadable else { return false }
        return entry["element"] != "work_notes" || subject.isAdmin || subject.roles.contains("itil")
    }

    private func isInvolved(_ subject: Subject, in record: ServiceNowRecord) -> Bool {
        record["caller_id"] == subject.userID || record["opened_by"] == subject.userID
            || (record["watch_list"] ?? "").split(separator: ",").contains { $0 == subject.userID }
    }
}
