/// A page that only says something: not found, not allowed, signed out, sign-in needed.
struct MessagePage {
    let title: String
    let message: HTML
    var link: (href: String, text: String)? = nil

    func html(layout: ConsoleLayout) -> HTML {
        let action: HTML = link.map { "<p><a class=\"button\" href=\"\($0.href)\">\($0.text)</a></p>" } ?? ""
        return layout.page(title, section: nil, "<p>\(message)</p>\(action)")
    }
}
