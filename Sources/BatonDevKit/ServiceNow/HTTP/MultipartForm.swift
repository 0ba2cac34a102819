import Foundation

/// A `multipart/form-data` body (RFC 7578), as the Attachment API's `/upload` takes it:
/// text fields, then the file. Parsed strictly: a body that is not well formed is refused
/// whole rather than guessed at.
struct MultipartForm {
    struct Part {
        var name: String
        var fileName: String?
        var contentType: String?
        var bytes: [UInt8]
    }

    var parts: [Part]

    /// The boundary a `Content-Type: multipart/form-data; boundary=…` header names.
    static func boundary(in contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return (1...70).contains(value.utf8.count) ? value : nil
            }
        }
        return nil
    }

    /// Parses `body` split by `boundary`; `nil` when it is not a well-formed form.
    init?(_ body: [UInt8], boundary: String) {
        let delimiter = Array("--\(boundary)".utf8)
        var positions: [Int] = []
        var index = 0
        while let found = Self.find(delimiter, in: body, from: index) {
            positions.append(found)
            index = found + delimiter.count
        }
        guard positions.count >= 2 else { return nil }
        // The last delimiter is the closing one: `--boundary--`.
        let closing = positions[positions.count - 1] + delimiter.count
        guard closing + 2 <= body.count, body[closing] == 0x2D, body[closing + 1] == 0x2D else { return nil }
        var parts: [Part] = []
        for (start, end) in zip(positions, positions.dropFirst()) {
            // After a delimiter: CRLF, headers, CRLF CRLF, content, CRLF before the next delimiter.
            let from = start + delimiter.count + 2
            let to = end - 2
            guard from <= to, body[end - 2] == 0x0D, body[end - 1] == 0x0A else { return nil }
            let part = Array(body[from..<to])
            guard let split = Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: part, from: 0) else { return nil }
            guard let headers = String(bytes: part[..<split], encoding: .utf8), let parsed = Self.part(headers, Array(part[(split + 4)...])) else {
                return nil
            }
            parts.append(parsed)
        }
        self.parts = parts
    }

    /// The text value of the field `name`.
    func field(_ name: String) -> String? {
        parts.first { $0.name == name && $0.fileName == nil }.map { String(decoding: $0.bytes, as: UTF8.self) }
    }

    /// The file part (the first part with a file name).
    var file: Part? { parts.first { $0.fileName != nil } }

    private static func part(_ headers: String, _ bytes: [UInt8]) -> Part? {
        var name: String?
        var fileName: String?
        var contentType: String?
        for line in headers.components(separatedBy: "\r\n") where !line.isEmpty {
            let pair = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { return nil }
            switch pair[0].lowercased() {
            case "content-disposition":
                for parameter in pair[1].split(separator: ";").dropFirst() {
                    let item = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard item.count == 2 else { continue }
                    let value = item[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    if item[0] == "name" { name = value }
                    if item[0] == "filename" { fileName = value }
                }
            case "content-type": contentType = pair[1]
            default: continue
            }
        }
        guard let name else { return nil }
        return Part(name: name, fileName: fileName, contentType: contentType, bytes: bytes)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], Array(haystack[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
    }
}
