import BatonVault
import Foundation

/// Who holds tokens for what, until when: the vault's catalog, read without opening a
/// seal. It names users, agents, audiences and scopes — never a token.
struct VaultPage {
    let entries: [VaultCatalog.Entry]
    let now: Date
    let isAuditor: Bool

    func html(layout: ConsoleLayout) -> HTML {
        let rows: [HTML] = entries.map { entry in
            let expired = entry.expiresAt <= now
            return """
                <tr><td>\(entry.username ?? entry.objectID)</td><td>\(entry.agent)</td><td>\(entry.audience)</td><td>\(entry.scopes)</td>\
                <td>\(entry.kind)</td><td class="\(expired ? "outcome-error" : "outcome-allowed")">\(ConsoleLayout.time(entry.expiresAt))\
                \(expired ? " (expired; never served, removed at the next sweep)" : "")</td></tr>
                """
        }
        let scope = isAuditor ? "every user's entries" : "your entries only"
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">The vault holds no tokens \(isAuditor ? "" : "for you ")right now.</p>"
            : """
            <div class="scroll"><table><caption>Vault entries, soonest expiry first (\(scope))</caption><thead><tr><th scope="col">User</th>\
            <th scope="col">Agent</th><th scope="col">Audience</th><th scope="col">Scopes</th><th scope="col">Kind</th>\
            <th scope="col">Expires (UTC)</th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
        return layout.page("Token vault", section: .vault, "<p>Tokens are sealed and never shown; this is what they are for.</p>\(table)")
    }
}
