import Crypto
import Foundation
internal import GRDB

/// The Attachment API's store: `sys_attachment` rows (queried like any table) and their
/// bytes, both written through to SQLite. An attachment follows the record it hangs on:
/// readable when that record is, added or deleted by whoever may write it.
extension ServiceNowInstance {
    /// The largest attachment the instance accepts (`com.glide.attachment.max_size`, here 10 MB).
    static let maximumAttachmentSize = 10 << 20

    /// Attaches `bytes` to `table`/`sysID` as `session`'s user.
    func attach(
        to table: String, sysID: String, fileName: String, contentType: String, bytes: [UInt8], as session: Session
    ) throws -> ServiceNowRecord {
        _ = try schema(table)
        guard !fileName.isEmpty else { throw ServiceNowFailure.badRequest("Invalid file name", detail: "file_name must not be empty") }
        guard bytes.count <= Self.maximumAttachmentSize else {
            throw ServiceNowFailure(
                status: 400, message: "Failed to create the attachment",
                detail: "File size \(bytes.count) exceeds the maximum of \(Self.maximumAttachmentSize) bytes")
        }
        // A record the user cannot read is refused exactly like one they cannot write: its existence stays hidden.
        guard let parent = record(table, sysID), acl.canRead(parent, table: table, as: session.subject),
            acl.canWrite(parent, table: table, fields: [], as: session.subject)
        else { throw ServiceNowFailure.attachmentDenied }
        let timestamp = ServiceNowTime.format(now)
        let attachment: ServiceNowRecord = [
            "sys_id": Self.newSysID(), "file_name": fileName, "table_name": table, "table_sys_id": sysID, "content_type": contentType,
            "size_bytes": String(bytes.count), "size_compressed": String(bytes.count), "compressed": "false",
            "hash": SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined(), "state": "available",
            "sys_created_on": timestamp, "sys_created_by": session.userName, "sys_updated_on": timestamp, "sys_updated_by": session.userName,
            "sys_mod_count": "0", "sys_class_name": "sys_attachment", "sys_domain": "global", "sys_domain_path": "/",
        ]
        append(attachment, to: "sys_attachment")
        attachmentFiles[attachment.sysID] = bytes
        try persist("sys_attachment", attachment)
        try database?.write { db in
            try db.execute(sql: "INSERT INTO attachment_files (sys_id, data) VALUES (?, ?)", arguments: [attachment.sysID, Data(bytes)])
        }
        return attachment
    }

    /// An attachment's row, if `session` may read it.
    func attachment(_ sysID: String, as session: Session) throws -> ServiceNowRecord {
        guard let attachment = record("sys_attachment", sysID), canRead(attachment, table: "sys_attachment", as: session) else {
            throw ServiceNowFailure.noRecord
        }
        return attachment
    }

    /// An attachment's row and bytes, if `session` may read it.
    func attachmentFile(_ sysID: String, as session: Session) throws -> (ServiceNowRecord, [UInt8]) {
        let attachment = try attachment(sysID, as: session)
        return (attachment, attachmentFiles[sysID] ?? [])
    }

    /// Deletes an attachment `session` may read, if they may write the record it hangs on.
    func deleteAttachment(_ sysID: String, as session: Session) throws {
        let attachment = try attachment(sysID, as: session)
        let parentTable = attachment["table_name"] ?? ""
        guard let parent = record(parentTable, attachment["table_sys_id"] ?? ""),
            acl.canWrite(parent, table: parentTable, fields: [], as: session.subject)
        else { throw ServiceNowFailure.deleteDenied }
        tables["sys_attachment"]?.removeAll { $0.sysID == sysID }
        reindex("sys_attachment")
        attachmentFiles[sysID] = nil
        try database?.write { db in
            try db.execute(sql: "DELETE FROM records WHERE tbl = 'sys_attachment' AND sys_id = ?", arguments: [sysID])
            try db.execute(sql: "DELETE FROM attachment_files WHERE sys_id = ?", arguments: [sysID])
        }
    }
}
