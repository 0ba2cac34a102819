import BatonConfig
import BatonCore
import BatonLedger
import Foundation
internal import HTTPTypes
import Hummingbird
import Logging

/// `/console`: the audit console's pages. Every handler first finds the signed-in viewer
/// (``session(_:)``), then reads only through ``ConsoleQueries`` scoped to them.
struct ConsoleRoutes: Sendable {
    static let cookieName = "baton_console"
    static let signInCookieName = "baton_console_signin"

    let storage: StorageService
    let sessions: ConsoleSessions
    let signIn: ConsoleSignIn?
    let health: LedgerHealth
    let settings: ConsoleSettings
    /// `server.public_url`: the callback's base and, when https, the cookies' `Secure`.
    let publicURL: String?
    let ledgerOrigin: String
    let witnesses: [NoteVerifierKey]

    var secureCookies: Bool { publicURL?.lowercased().hasPrefix("https://") == true }

    func register(on router: Router<BatonRequestContext>) {
        router.add(middleware: ConsoleMiddleware())
        let console = router.group("console")
        console.get { request, _ in try await search(request) }
        console.get("chains/:id") { request, context in try await chain(request, id: try context.parameters.require("id")) }
        console.get("chains/:id/entries.json") { request, context in try await export(request, id: try context.parameters.require("id"), as: .json) }
        console.get("chains/:id/entries.csv") { request, context in try await export(request, id: try context.parameters.require("id"), as: .csv) }
        console.get("chains/:id/proof.json") { request, context in try await proof(request, id: try context.parameters.require("id")) }
        console.get("users/:user") { request, context in try await day(request, user: try context.parameters.require("user")) }
        console.get("resources") { request, _ in try await resource(request) }
        console.get("ledger") { request, _ in try await ledgerHealth(request) }
        console.post("ledger/verify") { request, _ in try await verifyLedger(request) }
        console.get("vault") { request, _ in try await vault(request) }
        console.get("live") { request, _ in try await live(request) }
        console.get("live/events") { request, _ in try await liveEvents(request) }
        console.get("assets/:file") { _, context in try asset(try context.parameters.require("file")) }
        console.get("signin") { request, _ in try await beginSignIn(request) }
        console.get("callback") { request, _ in try await finishSignIn(request) }
        console.post("signout") { request, _ in try await signOut(request) }
        console.get("signed-out") { _, _ in
            ConsoleMiddleware.page(
                .ok, title: "Signed out", message: "You have signed out of the audit console.", link: ("/console/signin", "Sign in again"))
        }
    }

    // MARK: - Sessions

    /// The request's live session, or a refusal that sends a browser to sign in.
    func session(_ request: Request) async throws -> ConsoleSession {
        if let id = request.cookies[Self.cookieName]?.value, let session = await sessions.session(id: id) { return session }
        throw ConsoleRefusal.signInNeeded(returnPath: Self.returnPath(request))
    }

    /// The session of a form POST, whose `csrf` field must be the session's token and
    /// whose origin, when the browser names one, must be this console's.
    func postingSession(_ request: Request) async throws -> (ConsoleSession, [String: String]) {
        let session = try await session(request)
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" {
            throw ConsoleRefusal.forbidden("This form was sent from another site, so it was refused.")
        }
        let body = try await request.body.collect(upTo: 16_384)
        let fields = URLText.formDecoded(String(buffer: body))
        guard let token = fields["csrf"], ConstantTime.equals(token, session.csrfToken) else {
            throw ConsoleRefusal.forbidden("This form lacks its security token (CSRF), so it was refused. Reload the page and try again.")
        }
        return (session, fields)
    }

    func layout(_ session: ConsoleSession?) async -> ConsoleLayout {
        ConsoleLayout(session: session, verification: await health.last, traceURL: settings.traceURL)
    }

    func reader() async throws -> LedgerReader {
        guard let ledger = await storage.ledger() else { throw ConsoleRefusal.unavailable("The ledger is not open yet; try again in a moment.") }
        return ledger.reader
    }

    func queries(_ session: ConsoleSession) async throws -> ConsoleQueries {
        ConsoleQueries(reader: try await reader(), viewer: session.viewer)
    }

    // MARK: - Pages

    func search(_ request: Request) async throws -> Response {
        let session = try await session(request)
        let parameters = request.uri.queryParameters
        var fields: [String: String] = [:]
        for name in SearchPage.filterNames { if let value = parameters.get(name), !value.isEmpty { fields[name] = value } }
        var page = SearchPage(fields: fields)
        var status = HTTPResponse.Status.ok
        do {
            var query = try AuditRoutes.query { name in name == "after" ? parameters.get(name) : fields[name].map { Self.dateForm(name, $0) } }
            query.limit = ConsoleQueries.searchPageSize
            page.page = try await queries(session).search(query)
        } catch let error as HTTPError where error.status == .badRequest {
            page.problem = error.body ?? "The search is not valid."
            status = .badRequest
        }
        return ConsoleMiddleware.html(page.html(layout: await layout(session)), status: status)
    }

    func chain(_ request: Request, id: String) async throws -> Response {
        let session = try await session(request)
        let entries = try await queries(session).chain(id)
        guard !entries.isEmpty else { throw ConsoleRefusal.notFound("There is no chain \(id) that you may see.") }
        let page = ChainPage(chainID: id, entries: entries, proofAvailable: await storage.transparencyLog() != nil)
        return ConsoleMiddleware.html(page.html(layout: await layout(session)))
    }

    enum ExportFormat { case json, csv }

    func export(_ request: Request, id: String, as format: ExportFormat) async throws -> Response {
        let session = try await session(request)
        let entries = try await queries(session).chain(id)
        guard !entries.isEmpty else { throw ConsoleRefusal.notFound("There is no chain \(id) that you may see.") }
        var headers = HTTPFields()
        let name = "chain-\(id.filter { $0.isLetter || $0.isNumber || $0 == "-" })"
        switch format {
        case .json:
            headers[.contentType] = "application/json"
            headers[.contentDisposition] = "attachment; filename=\"\(name).json\""
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: try ChainExport.json(chainID: id, entries: entries))))
        case .csv:
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"\(name).csv\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: ChainExport.csv(entries))))
        }
    }

    func proof(_ request: Request, id: String) async throws -> Response {
        let session = try await session(request)
        let entries = try await queries(session).chain(id)
        guard !entries.isEmpty else { throw ConsoleRefusal.notFound("There is no chain \(id) that you may see.") }
        guard let log = await storage.transparencyLog() else { throw ConsoleRefusal.unavailable("The ledger's transparency log is not open yet.") }
        let bundles: [ProofBundle]
        do {
            bundles = try await log.prove(entries.map(\.sequence))
        } catch LedgerError.notCovered {
            throw ConsoleRefusal.unavailable(
                "This chain is newer than the latest signed checkpoint, so it cannot be proven yet; try again after the next checkpoint.")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.contentDisposition] = "attachment; filename=\"chain-proof.json\""
        let data = try JSONEncoder.sorted.encode(LedgerProof(chain: id, bundles: bundles))
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    func day(_ request: Request, user: String) async throws -> Response {
        let session = try await session(request)
        guard session.viewer.isAuditor || session.viewer.isNamed(user) else {
            throw ConsoleRefusal.notFound("There is no day of \(user) that you may see.")
        }
        let parameters = request.uri.queryParameters
        guard let day = ConsoleQueries.day(parameters.get("day")) else {
            throw ConsoleRefusal.badRequest("day must be a date such as 2026-12-03, not \(parameters.get("day") ?? "")")
        }
        let after = try parameters.get("after").map { text in
            guard let after = Int64(text) else { throw ConsoleRefusal.badRequest("after must be an entry number, not \(text)") }
            return after
        }
        let page = try await queries(session).day(of: user, starting: day, after: after)
        let html = UserDayPage(user: user, day: day, entries: page.entries, nextCursor: page.nextCursor)
            .html(layout: await layout(session), isOwnDay: session.viewer.isNamed(user))
        return ConsoleMiddleware.html(html)
    }

    func resource(_ request: Request) async throws -> Response {
        let session = try await session(request)
        let name = request.uri.queryParameters.get("name") ?? ""
        let (entries, truncated) = name.isEmpty ? ([], false) : try await queries(session).resource(name)
        return ConsoleMiddleware.html(ResourcePage(name: name, entries: entries, truncated: truncated).html(layout: await layout(session)))
    }

    func ledgerHealth(_ request: Request) async throws -> Response {
        let session = try await session(request)
        let snapshot = try await health.snapshot(reader: try await reader(), origin: ledgerOrigin)
        return ConsoleMiddleware.html(LedgerHealthPage(snapshot: snapshot, session: session).html(layout: await layout(session)))
    }

    func verifyLedger(_ request: Request) async throws -> Response {
        let (session, _) = try await postingSession(request)
        guard session.viewer.isAuditor else { throw ConsoleRefusal.forbidden("Only auditors may start a verification of the whole ledger.") }
        guard let signer = await storage.signer() else { throw ConsoleRefusal.unavailable("The ledger's signing key is not loaded yet.") }
        _ = try await health.verify(records: try await reader().records, signer: signer, witnesses: witnesses)
        return ConsoleMiddleware.redirect(to: "/console/ledger")
    }

    func vault(_ request: Request) async throws -> Response {
        let session = try await session(request)
        guard let vault = await storage.vault() else { throw ConsoleRefusal.unavailable("The vault is not open yet; try again in a moment.") }
        var entries = try await vault.catalog.entries()
        if !session.viewer.isAuditor {
            entries = entries.filter {
                $0.objectID.lowercased() == session.viewer.objectID.lowercased() && $0.tenantID.lowercased() == session.viewer.tenantID.lowercased()
            }
        }
        return ConsoleMiddleware.html(
            VaultPage(entries: entries, now: Date(), isAuditor: session.viewer.isAuditor).html(layout: await layout(session)))
    }

    func live(_ request: Request) async throws -> Response {
        let session = try await session(request)
        return ConsoleMiddleware.html(LivePage().html(layout: await layout(session)))
    }

    func asset(_ file: String) throws -> Response {
        guard let asset = ConsoleAssets.files[file] else { throw ConsoleRefusal.notFound("There is no console file \(file).") }
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        headers[.cacheControl] = "max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: asset.body)))
    }

    // MARK: - Helpers

    /// The path and query of a console GET, to come back to after sign-in.
    static func returnPath(_ request: Request) -> String {
        let path = request.uri.path
        guard request.method == .get, path.hasPrefix("/console"), !path.hasPrefix("/console/live/events") else { return "/console" }
        return request.uri.query.map { "\(path)?\($0)" } ?? path
    }

    /// Only a console path on this host: never `//elsewhere` or another scheme (no open redirect).
    static func safeReturnPath(_ path: String?) -> String {
        guard let path, path == "/console" || path.hasPrefix("/console/") || path.hasPrefix("/console?"), !path.contains("\\"),
            !path.contains("//"), path.allSatisfy({ $0.isASCII && !$0.isNewline })
        else { return "/console" }
        return path
    }

    /// A `datetime-local` value (`2026-12-03T11:00` or with seconds) as ISO 8601 UTC; other
    /// fields and other forms are passed on unchanged.
    static func dateForm(_ name: String, _ value: String) -> String {
        guard name == "since" || name == "until", !value.hasSuffix("Z"), !value.contains("+") else { return value }
        switch value.count {
        case 10: return "\(value)T00:00:00Z"
        case 16: return "\(value):00Z"
        case 19: return "\(value)Z"
        default: return value
        }
    }
}
