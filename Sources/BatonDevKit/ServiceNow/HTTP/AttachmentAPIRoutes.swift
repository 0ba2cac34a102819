import BatonCore
import Foundation
import HTTPTypes
import Hummingbird

/// `/api/now[/v1]/attachment`: the Attachment API as a real instance serves it (and as
/// ServiceNow's `pysnc` calls it) — list and read metadata, download, upload a raw body to
/// `/file`, delete. The record an attachment hangs on decides who may see or change it.
struct AttachmentAPIRoutes: Sendable {
    let emulator: ServiceNowEmulator
    /// The Table API's request handling (faults, authentication, error bodies), shared.
    var table: TableAPIRoutes { TableAPIRoutes(emulator: emulator) }

    func register(on router: Router<BasicRequestContext>) {
        for prefix in ["api/now/attachment", "api/now/:version/attachment"] {
            router.get("\(prefix)") { request, context in await table.respond(request, context) { try await list($0, $2) } }
            router.post("\(prefix)/file") { request, context in await table.respond(request, context) { try await upload($0, $2) } }
            router.post("\(prefix)/upload") { request, context in await table.respond(request, context) { try await uploadForm($0, $2) } }
            router.get("\(prefix)/:sys_id") { request, context in await table.respond(request, context) { try await metadata($1, $2) } }
            router.get("\(prefix)/:sys_id/file") { request, context in await table.respond(request, context) { try await download($1, $2) } }
            router.delete("\(prefix)/:sys_id") { request, context in await table.respond(request, context) { try await delete($1, $2) } }
        }
    }

    private func list(_ request: Request, _ session: ServiceNowInstance.Session) async throws -> Response {
        let parameters = request.uri.queryParameters
        let limit = Int(parameters.get("sysparm_limit") ?? "") ?? TableAPIRoutes.defaultLimit
        let offset = Int(parameters.get("sysparm_offset") ?? "") ?? 0
        guard limit > 0, offset >= 0 else {
            throw ServiceNowFailure.badRequest("Invalid pagination", detail: "sysparm_limit must be positive and sysparm_offset not negative")
        }
        let query = try EncodedQuery(parsing: parameters.get("sysparm_query") ?? "")
        let page = try await emulator.instance.list("sys_attachment", query: query, limit: limit, offset: offset, as: session)
        var response = TableAPIRoutes.json(.ok, ["result": .array(page.records.map(rendered))])
        response.headers[HTTPField.Name("X-Total-Count")!] = String(page.total)
        return response
    }

    private func metadata(_ target: TableAPIRoutes.Target, _ session: ServiceNowInstance.Session) async throws -> Response {
        TableAPIRoutes.json(.ok, ["result": rendered(try await emulator.instance.attachment(target.sysID ?? "", as: session))])
    }

    /// The bytes, whatever the `Accept` header asks for (pysnc sends `application/json`).
    private func download(_ target: TableAPIRoutes.Target, _ session: ServiceNowInstance.Session) async throws -> Response {
        let (attachment, bytes) = try await emulator.instance.attachmentFile(target.sysID ?? "", as: session)
        var headers = HTTPFields()
        headers[.contentType] = attachment["content_type"].flatMap { $0.isEmpty ? nil : $0 } ?? "application/octet-stream"
        headers[.contentDisposition] = "attachment;filename=\"\(Self.headerSafe(attachment["file_name"] ?? ""))\""
        headers[HTTPField.Name("X-Attachment-Metadata")!] = String(
            decoding: JSONValue.object(["sys_id": .string(attachment.sysID)]).serialized, as: UTF8.self)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `POST …/attachment/file?table_name=…&table_sys_id=…&file_name=…` with the file as the raw body.
    private func upload(_ request: Request, _ session: ServiceNowInstance.Session) async throws -> Response {
        let parameters = request.uri.queryParameters
        guard let tableName = parameters.get("table_name"), let sysID = parameters.get("table_sys_id"), let fileName = parameters.get("file_name")
        else {
            throw ServiceNowFailure.badRequest(
                "Failed to create the attachment", detail: "table_name, table_sys_id and file_name are required query parameters")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: ServiceNowInstance.maximumAttachmentSize)
        } catch {
            throw ServiceNowFailure(
                status: 400, message: "Failed to create the attachment",
                detail: "The file exceeds the maximum of \(ServiceNowInstance.maximumAttachmentSize) bytes")
        }
        let attachment = try await emulator.instance.attach(
            to: tableName, sysID: sysID, fileName: fileName, contentType: request.headers[.contentType] ?? "application/octet-stream",
            bytes: Array(body.readableBytesView), as: session)
        var response = TableAPIRoutes.json(.created, ["result": rendered(attachment)])
        response.headers[.location] = "\(emulator.baseURL)/api/now/attachment/\(attachment.sysID)"
        return response
    }

    /// `POST …/attachment/upload`: `multipart/form-data` with `table_name` and `table_sys_id`
    /// fields, then the file part (its file name and content type are the attachment's).
    private func uploadForm(_ request: Request, _ session: ServiceNowInstance.Session) async throws -> Response {
        guard let boundary = MultipartForm.boundary(in: request.headers[.contentType]) else {
            throw ServiceNowFailure(status: 415, message: "Unsupported Media Type", detail: "Send multipart/form-data with a boundary")
        }
        let body: ByteBuffer
        do {
            // The form's fields and part headers on top of the file's own limit.
            body = try await request.body.collect(upTo: ServiceNowInstance.maximumAttachmentSize + 64 * 1024)
        } catch {
            throw ServiceNowFailure(
                status: 400, message: "Failed to create the attachment",
                detail: "The file exceeds the maximum of \(ServiceNowInstance.maximumAttachmentSize) bytes")
        }
        guard let form = MultipartForm(Array(body.readableBytesView), boundary: boundary) else {
            throw ServiceNowFailure.badRequest("Failed to create the attachment", detail: "The multipart body is not well formed")
        }
        guard let tableName = form.field("table_name"), let sysID = form.field("table_sys_id"), let file = form.file else {
            throw ServiceNowFailure.badRequest(
                "Failed to create the attachment", detail: "table_name and table_sys_id fields and a file part are required")
        }
        let attachment = try await emulator.instance.attach(
            to: tableName, sysID: sysID, fileName: file.fileName ?? "", contentType: file.contentType ?? "application/octet-stream",
            bytes: file.bytes, as: session)
        var response = TableAPIRoutes.json(.created, ["result": rendered(attachment)])
        response.headers[.location] = "\(emulator.baseURL)/api/now/attachment/\(attachment.sysID)"
        return response
    }

    private func delete(_ target: TableAPIRoutes.Target, _ session: ServiceNowInstance.Session) async throws -> Response {
        try await emulator.instance.deleteAttachment(target.sysID ?? "", as: session)
        return Response(status: .noContent)
    }

    /// An attachment's metadata as the Attachment API writes it: plain strings, and its `download_link`.
    private func rendered(_ attachment: ServiceNowRecord) -> JSONValue {
        var object: JSONObject = [:]
        for (name, _) in TableSchema.standard["sys_attachment"]?.fields ?? [] { object[name] = .string(attachment[name] ?? "") }
        object["download_link"] = .string("\(emulator.baseURL)/api/now/attachment/\(attachment.sysID)/file")
        return .object(object)
    }

    private static func headerSafe(_ name: String) -> String {
        String(name.unicodeScalars.filter { $0.isASCII && $0 != "\"" && $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
    }
}
