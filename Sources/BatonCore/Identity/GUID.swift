/// The GUID spelling Entra uses for tenant and object ids: `8-4-4-4-12` hex digits.
public enum GUID {
    /// Whether `text` is a GUID, checked byte by byte (`UUID(uuidString:)` goes through
    /// `sscanf`, a visible share of every token verification).
    public static func isValid(_ text: some StringProtocol) -> Bool {
        let bytes = text.utf8
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 8, 13, 18, 23:
                guard byte == UInt8(ascii: "-") else { return false }
            default:
                guard Hex.isDigit(byte) else { return false }
            }
        }
        return true
    }
}
