import BatonCore
import Foundation

/// The Attachment API as tools: what is attached to a record, and attaching a text file
/// to one — the record's ACL decides, as the user.
extension ServiceNowConnector {
    /// Largest file `attach_file` sends (the text an agent hands over, not a disk image).
    static let maximumAttachment = 1 << 20

    func listAttachments(_ arguments: ToolArguments, _ context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let (table, sysID, label) = try await namedRecord(arguments, context)
        let query = Self.encode([URLQueryItem(name: "sysparm_query", value: "table_name=\(table)^table_sys_id=\(sysID)")])
        let response = try await client.send(
            DownstreamRequest(
                method: "GET", url: "\(baseURL)/api/now/attachment?\(query)", pathTemplate: "/api/now/attachment",
                resource: "\(name):sys_attachment/\(table)/\(label)"),
            context: context)
        let files: [JSONValue] = (try response.successBody(connector: name).objectValue?["result"]?.arrayValue ?? []).map { file in
            let fields = file.objectValue ?? [:]
            return [
                "sys_id": fields["sys_id"] ?? "", "file_name": fields["file_name"] ?? "", "content_type": fields["content_type"] ?? "",
                "size_bytes": fields["size_bytes"] ?? "",
            ]
        }
        return ToolResult(content: ["attachments": .array(files)], summary: "\(files.count) file(s) attached to \(label).")
    }

    func attachFile(_ arguments: ToolArguments, _ context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let fileName = try arguments.requiredString("file_name")
        guard !fileName.isEmpty, fileName.count <= 100, !fileName.contains("/"), !fileName.contains("\\") else {
            throw .invalidArguments(tool: arguments.tool, problem: "'\(fileName)' is not a file name")
        }
        let content = Array(try arguments.requiredString("content").utf8)
        guard content.count <= Self.maximumAttachment else {
            throw .invalidArguments(tool: arguments.tool, problem: "the file is \(content.count) bytes; at most \(Self.maximumAttachment)")
        }
        let contentType = try arguments.string("content_type") ?? "text/plain"
        let (table, sysID, label) = try await namedRecord(arguments, context)
        let query = Self.encode([
            URLQueryItem(name: "table_name", value: table), URLQueryItem(name: "table_sys_id", value: sysID),
            URLQueryItem(name: "file_name", value: fileName),
        ])
        var request = DownstreamRequest(
            method: "POST", url: "\(baseURL)/api/now/attachment/file?\(query)", pathTemplate: "/api/now/attachment/file",
            resource: "\(name):sys_attachment/\(table)/\(label)")
        request.rawBody = (content, contentType)
        let response = try await client.send(request, context: context)
        let attachment = try response.successBody(connector: name).objectValue?["result"] ?? .null
        return ToolResult(content: attachment, summary: "Attached \(fileName) (\(content.count) bytes) to \(label).")
    }
}
