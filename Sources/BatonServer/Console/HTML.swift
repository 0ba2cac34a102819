import BatonCore

/// A fragment of HTML in which every interpolated value is escaped unless it is HTML
/// itself, so a user name, a resource or a query string in a console page can never
/// become markup.
///
/// ```swift
/// let row: HTML = "<td>\(entry.resource ?? "")</td>"     // escaped
/// let page: HTML = "<tbody>\(rows)</tbody>"              // [HTML]: inserted as is
/// ```
struct HTML: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The markup.
    private(set) var markup: String

    init(stringLiteral literal: String) {
        markup = literal
    }

    init(stringInterpolation: Interpolation) {
        markup = stringInterpolation.markup
    }

    /// Markup that is already safe (built by this type, or a constant).
    init(trusted markup: String) {
        self.markup = markup
    }

    var description: String { markup }

    struct Interpolation: StringInterpolationProtocol {
        var markup = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            markup.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        mutating func appendLiteral(_ literal: String) { markup += literal }

        mutating func appendInterpolation(_ text: String) { markup += HTML.escape(text) }

        mutating func appendInterpolation(_ text: String?) { markup += HTML.escape(text ?? "") }

        mutating func appendInterpolation(_ number: some BinaryInteger) { markup += String(number) }

        mutating func appendInterpolation(_ fragment: HTML) { markup += fragment.markup }

        mutating func appendInterpolation(_ fragments: [HTML]) {
            for fragment in fragments { markup += fragment.markup }
        }
    }

    /// `text` escaped for element content and quoted attribute values (``HTMLText``, the
    /// one escaping routine Baton's pages share).
    static func escape(_ text: String) -> String {
        HTMLText.escape(text)
    }
}
