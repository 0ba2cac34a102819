import Foundation

/// A signed-in browser: who it is and the token its forms must carry. The cookie holds
/// only the session's random id; no access token is kept, here or anywhere.
struct ConsoleSession: Sendable {
    let id: String
    let viewer: ConsoleViewer
    /// Sent back by every form (a hidden field) and checked on every POST.
    let csrfToken: String
    let expiresAt: Date
}
