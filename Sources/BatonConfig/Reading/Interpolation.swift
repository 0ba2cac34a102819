/// Expands `${NAME}` and `${NAME:-fallback}` references in a configuration value.
///
/// `$$` stands for a literal `$`. A reference to an unset variable without a fallback is
/// an error, so a typo in a variable name never silently becomes an empty string.
struct Interpolation {
    enum Failure: Error, Equatable {
        case unset(String)
        case malformed(String)
    }

    let environment: [String: String]

    func expand(_ text: String) throws(Failure) -> String {
        guard text.contains("$") else { return text }
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                output.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                output.append("$")
                index = text.index(after: next)
            } else if text[next] == "{" {
                guard let close = text[next...].firstIndex(of: "}") else {
                    throw .malformed("'${' without a closing '}'")
                }
                output += try resolve(String(text[text.index(after: next)..<close]))
                index = text.index(after: close)
            } else {
                output.append(character)
                index = next
            }
        }
        return output
    }

    private func resolve(_ reference: String) throws(Failure) -> String {
        let parts = reference.split(separator: ":-", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard !name.isEmpty, name.allSatisfy({ $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .malformed("'${\(reference)}' is not a valid variable reference")
        }
        if let value = environment[name] { return value }
        if parts.count == 2 { return String(parts[1]) }
        throw .unset(name)
    }
}
