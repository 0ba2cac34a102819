@testable import BatonDevKit

/// The emulator's `multipart/form-data` parser (the Attachment API's `/upload`) on any
/// bytes: never a crash, and a form it accepts, written again, parses to the same parts.
enum MultipartFuzzing {
    static let boundary = "fuzzboundary"

    static let target = FuzzTarget(name: "multipart", summary: "emulator multipart/form-data parsing; accepted forms round-trip") { bytes in
        guard let form = MultipartForm(Array(bytes), boundary: boundary) else { return }
        for part in form.parts where part.bytes.count > bytes.count {
            violated("a part is larger than the body", "\(part.bytes.count) > \(bytes.count)")
        }
        // Round trip, for forms whose names and headers can be written back unambiguously.
        let plain = { (text: String?) in text.map { !$0.contains("\"") && !$0.contains(";") && !$0.contains("\r") && !$0.contains("\n") } ?? true }
        guard form.parts.allSatisfy({ plain($0.name) && plain($0.fileName) && plain($0.contentType) }) else { return }
        var again: [UInt8] = []
        for part in form.parts {
            var header = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let fileName = part.fileName { header += "; filename=\"\(fileName)\"" }
            if let type = part.contentType { header += "\r\nContent-Type: \(type)" }
            again += Array((header + "\r\n\r\n").utf8) + part.bytes + Array("\r\n".utf8)
        }
        again += Array("--\(boundary)--\r\n".utf8)
        guard let reparsed = MultipartForm(again, boundary: boundary), reparsed.parts.count == form.parts.count else {
            violated("an accepted form does not parse again", "\(form.parts.count) parts")
        }
        for (first, second) in zip(form.parts, reparsed.parts)
        where first.name != second.name || first.fileName != second.fileName || first.bytes != second.bytes
            || first.contentType?.trimmingCharacters(in: .whitespaces) != second.contentType?.trimmingCharacters(in: .whitespaces)
        {
            violated("a part changed on the way", first.name)
        }
    }
}
