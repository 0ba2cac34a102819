/// The GUID spelling Entra uses for tenant and object ids: `8-4-4-4-12` hex digits.
public enum GUID {
    /// Whether `text` is a GUID, checked byte by byte (`UUID(uuidString:)` goes through
    /// `sscanf`, a visible share of every token verification).
    public static func isValid(_ text: String) -> Bool {
        isValid(text[...])
    }

    /// Whether `text` is a GUID (not generic: it runs on every verification, across modules).
    public static func isValid(_ text: Substring) -> Bool {
        let bytes = text.utf8
        guard bytes.count == 36 else { return false }
        var index = 0
        for byte in bytes {
            let valid = index == 8 || index == 13 || index == 18 || index == 23 ? byte == UInt8(ascii: "-") : Hex.isDigit(byte)
            guard valid else { return false }
            index += 1
        }
        return true
    }
}
