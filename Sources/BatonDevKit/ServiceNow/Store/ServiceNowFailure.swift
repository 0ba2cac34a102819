/// A Table API error: its status and the `{"error":{"message","detail"},"status":"failure"}` body.
public struct ServiceNowFailure: Error, Sendable, Equatable {
    public let status: Int
    public let message: String
    public let detail: String?

    static let notAuthenticated = ServiceNowFailure(status: 401, message: "User Not Authenticated", detail: "Required to provide Auth information")
    static let noRecord = ServiceNowFailure(
        status: 404, message: "No Record found", detail: "Record doesn't exist or ACL restricts the record retrieval")
    static let noMatchesV1 = ServiceNowFailure(
        status: 404, message: "No Record found", detail: "Records matching query not found. Check query parameter or offset parameter")
    static let insertDenied = ServiceNowFailure(
        status: 403, message: "Operation Failed", detail: "ACL Exception Insert Failed due to security constraints")
    static let updateDenied = ServiceNowFailure(
        status: 403, message: "Operation Failed", detail: "ACL Exception Update Failed due to security constraints")
    static let attachmentDenied = ServiceNowFailure(
        status: 403, message: "Operation Failed", detail: "ACL Exception Insert Failed due to security constraints")
    static let deleteDenied = ServiceNowFailure(
        status: 403, message: "Operation Failed", detail: "ACL Exception Delete Failed due to security constraints")

    static func invalidTable(_ table: String) -> ServiceNowFailure {
        ServiceNowFailure(status: 400, message: "Invalid table \(table)", detail: "Table \(table) does not exist")
    }

    static func badRequest(_ message: String, detail: String? = nil) -> ServiceNowFailure {
        ServiceNowFailure(status: 400, message: message, detail: detail)
    }
}
