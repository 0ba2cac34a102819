/// Text for HTML: the one place Baton's pages escape what they show.
public enum HTMLText {
    /// `text` with `&`, `<`, `>`, `"` and `'` as character references, safe in element
    /// content and in quoted attribute values.
    ///
    /// Scalar by scalar, not by `Character`: a quote followed by a combining mark is one
    /// Swift `Character` that is not `"`, yet the browser still ends the attribute at it.
    public static func escape(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "'": escaped.append(contentsOf: "&#39;".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}
