import Foundation

/// The data a fresh emulated instance starts with: the seed article's world. Jane Smith
/// (`itil`) has the five open incidents of its verification table assigned to her (and a
/// closed one); HR and security incidents exist that
/// only Harriet (HR) and Sam (SOC) may see; a few more users, groups and incidents.
public struct ServiceNowSeed: Sendable {
    struct User {
        var userName: String
        var first: String
        var last: String
        var email: String
        var roles: [String]
        var groups: [String]
    }

    struct Incident {
        var number: Int
        var summary: String
        var category: String
        var priority: (impact: Int, urgency: Int)
        var state: Int
        var assignedTo: String?
        var caller: String
        var group: String
        var hoursAgo: Double
    }

    let users: [User]
    let groups: [String]
    let incidents: [Incident]

    public static let standard = ServiceNowSeed(
        users: [
            User(userName: "admin", first: "System", last: "Administrator", email: "admin@example.com", roles: ["admin"], groups: []),
            User(
                userName: "jane.smith", first: "Jane", last: "Smith", email: "jane@contoso.com", roles: ["itil"], groups: ["Service Desk"]),
            User(
                userName: "harriet.hughes", first: "Harriet", last: "Hughes", email: "harriet@contoso.com",
                roles: ["itil", "sn_hr_core.case_reader"], groups: ["HR Partners"]),
            User(
                userName: "sam.okafor", first: "Sam", last: "Okafor", email: "sam@contoso.com", roles: ["itil", "sn_si.analyst"],
                groups: ["Security Operations"]),
            User(userName: "audrey.auditor", first: "Audrey", last: "Auditor", email: "audrey@contoso.com", roles: [], groups: []),
            User(
                userName: "mallory.meyer", first: "Mallory", last: "Meyer", email: "mallory@contoso.com", roles: ["itil"],
                groups: ["Service Desk"]),
            User(
                userName: "beth.anglin", first: "Beth", last: "Anglin", email: "beth.anglin@contoso.com", roles: ["itil"],
                groups: ["Network"]),
            User(userName: "david.miller", first: "David", last: "Miller", email: "david.miller@contoso.com", roles: [], groups: []),
            User(userName: "ada.admin", first: "Ada", last: "Admin", email: "ada@contoso.com", roles: ["admin"], groups: []),
        ],
        groups: ["Service Desk", "Network", "HR Partners", "Security Operations"],
        incidents: [
            // The seed article's verification table: what Jane sees.
            Incident(
                number: 12_345, summary: "VPN connection dropping", category: "network", priority: (2, 1), state: 2, assignedTo: "jane.smith",
                caller: "david.miller", group: "Service Desk", hoursAgo: 2),
            Incident(
                number: 12_389, summary: "Outlook calendar sync failure", category: "software", priority: (2, 2), state: 1,
                assignedTo: "jane.smith", caller: "beth.anglin", group: "Service Desk", hoursAgo: 5),
            Incident(
                number: 12_401, summary: "Laptop BSOD after Windows update", category: "hardware", priority: (1, 2), state: 2,
                assignedTo: "jane.smith", caller: "david.miller", group: "Service Desk", hoursAgo: 9),
            Incident(
                number: 12_455, summary: "Shared drive permission error", category: "software", priority: (2, 2), state: 1,
                assignedTo: "jane.smith", caller: "harriet.hughes", group: "Service Desk", hoursAgo: 20),
            Incident(
                number: 12_478, summary: "Zoom plugin not loading in Teams", category: "software", priority: (3, 2), state: 9,
                assignedTo: "jane.smith", caller: "sam.okafor", group: "Service Desk", hoursAgo: 30),
            // Jane's closed incident: hers, but not open.
            Incident(
                number: 12_302, summary: "Password reset for kiosk account", category: "inquiry", priority: (3, 3), state: 7,
                assignedTo: "jane.smith", caller: "david.miller", group: "Service Desk", hoursAgo: 200),
            Incident(
                number: 12_410, summary: "Core switch in building B flapping", category: "network", priority: (1, 1), state: 2,
                assignedTo: "beth.anglin", caller: "mallory.meyer", group: "Network", hoursAgo: 1),
            Incident(
                number: 12_420, summary: "Wi-Fi slow in the canteen", category: "network", priority: (3, 2), state: 1, assignedTo: nil,
                caller: "david.miller", group: "Network", hoursAgo: 12),
            // What Jane must not see: the HR complaint and the SOC alert (and another HR case).
            Incident(
                number: 12_350, summary: "Employee complaint — confidential", category: "hr", priority: (2, 1), state: 2,
                assignedTo: "harriet.hughes", caller: "david.miller", group: "HR Partners", hoursAgo: 4),
            Incident(
                number: 12_360, summary: "Salary discrepancy for a team lead", category: "hr", priority: (3, 2), state: 1,
                assignedTo: "harriet.hughes", caller: "beth.anglin", group: "HR Partners", hoursAgo: 26),
            Incident(
                number: 12_399, summary: "SOC alert: phishing campaign targeting finance", category: "security", priority: (1, 1), state: 2,
                assignedTo: "sam.okafor", caller: "mallory.meyer", group: "Security Operations", hoursAgo: 3),
        ])

    /// Jane's open incidents, as the seed's verification table lists them ("What Jane sees").
    public static let janesOpenIncidents = ["INC0012345", "INC0012389", "INC0012401", "INC0012455", "INC0012478"]
    /// The HR complaint and the SOC alert that exist but Jane must never see.
    public static let hiddenFromJane = ["INC0012350", "INC0012399"]

    /// The standard change templates a fresh instance offers (pre-approved, low risk).
    static let standardChangeTemplates: [(name: String, summary: String, values: String)] = [
        (
            "Clear BGP sessions on a router", "Clear BGP sessions on a router",
            "short_description=Clear BGP sessions on a router^category=network^risk=4^impact=3"
        ),
        (
            "Add a user to a distribution list", "Add a user to a distribution list",
            "short_description=Add a user to a distribution list^category=software^risk=4^impact=3"
        ),
    ]

    /// The records of every table, in insertion order.
    func tables(now: Date = Date()) -> [String: [ServiceNowRecord]] {
        let created = ServiceNowTime.format(now.addingTimeInterval(-90 * 86_400))
        func system(_ table: String, _ key: String) -> ServiceNowRecord {
            [
                "sys_id": ServiceNowInstance.seededSysID("\(table):\(key)"), "sys_class_name": table, "sys_created_on": created,
                "sys_created_by": "admin", "sys_updated_on": created, "sys_updated_by": "admin", "sys_mod_count": "0", "sys_domain": "global",
                "sys_domain_path": "/",
            ]
        }
        let userID = { (name: String) in ServiceNowInstance.seededSysID("sys_user:\(name)") }
        let groupID = { (name: String) in ServiceNowInstance.seededSysID("sys_user_group:\(name)") }
        var result: [String: [ServiceNowRecord]] = [:]
        result["sys_user_group"] = groups.map { name in
            system("sys_user_group", name).merging(["name": name, "description": "\(name) team", "active": "true"]) { $1 }
        }
        result["sys_user"] = users.map { user in
            system("sys_user", user.userName).merging([
                "user_name": user.userName, "first_name": user.first, "last_name": user.last, "name": "\(user.first) \(user.last)",
                "email": user.email, "title": "", "department": "", "active": "true", "locked_out": "false",
                "roles": user.roles.joined(separator: ","),
            ]) { $1 }
        }
        result["sys_user_grmember"] = users.flatMap { user in
            user.groups.map { group in
                system("sys_user_grmember", "\(user.userName)@\(group)").merging(["user": userID(user.userName), "group": groupID(group)]) { $1 }
            }
        }
        let matrix = [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
        result["incident"] = incidents.map { incident in
            let opened = ServiceNowTime.format(now.addingTimeInterval(-incident.hoursAgo * 3_600))
            var record = system("incident", String(incident.number))
            record.merge([
                "number": "INC\(String(format: "%07d", incident.number))", "short_description": incident.summary,
                "description": incident.summary, "state": String(incident.state), "incident_state": String(incident.state),
                "impact": String(incident.priority.impact), "urgency": String(incident.priority.urgency),
                "priority": String(matrix[incident.priority.impact - 1][incident.priority.urgency - 1]), "category": incident.category,
                "subcategory": "", "assignment_group": groupID(incident.group), "assigned_to": incident.assignedTo.map(userID) ?? "",
                "caller_id": userID(incident.caller), "opened_by": userID(incident.caller), "opened_at": opened,
                "resolved_at": "", "closed_at": TableSchema.isClosed(state: incident.state) ? opened : "",
                "active": TableSchema.isClosed(state: incident.state) ? "false" : "true",
                "watch_list": "", "close_code": "", "close_notes": "", "sys_created_on": opened, "sys_updated_on": opened,
                "sys_created_by": incident.caller, "sys_updated_by": incident.caller,
            ]) { $1 }
            return record
        }
        result["std_change_producer_version"] = Self.standardChangeTemplates.map { template in
            system("std_change_producer_version", template.name).merging([
                "name": template.name, "short_description": template.summary, "template": template.values, "active": "true",
            ]) { $1 }
        }
        result["change_request"] = []
        result["change_task"] = []
        result["sys_journal_field"] = []
        return result
    }
}
