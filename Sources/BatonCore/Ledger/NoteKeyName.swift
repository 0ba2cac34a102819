/// The rule for the name of a C2SP signed-note key (and so for a transparency log's
/// origin, which names its key): not empty, no white space, no control character, no `+`.
public enum NoteKeyName {
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 }
    }
}
