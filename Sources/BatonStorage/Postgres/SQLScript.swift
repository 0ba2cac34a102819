/// A migration file cut into its statements, for a server that takes one statement per
/// query (PostgreSQL's extended protocol, which postgres-nio speaks).
///
/// Semicolons end statements except inside quotes (`'…'`, `"…"`), dollar quotes
/// (`$$…$$`, `$tag$…$tag$`) and comments (`-- …`, `/* … */`).
public enum SQLScript {
    /// The statements of `sql`, trimmed, without empty ones or the ones holding only comments.
    public static func statements(_ sql: String) -> [String] {
        let text = Array(sql.utf8)
        var statements: [String] = []
        var start = 0
        var index = 0
        var hasCode = false
        func take(through end: Int) {
            if hasCode {
                let statement = String(decoding: text[start..<end], as: UTF8.self)
                statements.append(statement.trimmingWhitespace())
            }
            start = end + 1
            hasCode = false
        }
        while index < text.count {
            let byte = text[index]
            switch byte {
            case UInt8(ascii: "-") where index + 1 < text.count && text[index + 1] == UInt8(ascii: "-"):
                while index < text.count, text[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "/") where index + 1 < text.count && text[index + 1] == UInt8(ascii: "*"):
                index += 2
                while index + 1 < text.count, !(text[index] == UInt8(ascii: "*") && text[index + 1] == UInt8(ascii: "/")) { index += 1 }
                index += 1
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                hasCode = true
                index += 1
                while index < text.count, text[index] != byte { index += 1 }
            case UInt8(ascii: "$"):
                hasCode = true
                if let tagEnd = dollarTagEnd(text, from: index) {
                    let tag = text[index...tagEnd]
                    index = tagEnd + 1
                    while index < text.count, !text[index...].starts(with: tag) { index += 1 }
                    index += tag.count - 1
                }
            case UInt8(ascii: ";"):
                take(through: index)
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                break
            default:
                hasCode = true
            }
            index += 1
        }
        take(through: text.count)
        return statements
    }

    /// The index of the `$` closing a dollar-quote tag opened at `start` (`$$` or `$name$`).
    private static func dollarTagEnd(_ text: [UInt8], from start: Int) -> Int? {
        var index = start + 1
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: "$") { return index }
            let isTagByte =
                byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (index > start + 1 && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte))
            guard isTagByte else { return nil }
            index += 1
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let bytes = Array(utf8)
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
