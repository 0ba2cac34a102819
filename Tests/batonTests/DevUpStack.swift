import BatonCore
import BatonTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `baton dev up` with Jane's and Harriet's demo chains in its ledger, for the audit
/// console's and the backup's tests, and a browser-like HTTP client that signs in through the dev IdP's page.
struct DevUpStack {
    let process: BatonProcess
    let baton: String
    let idp: String
    let dataDirectory: String
    /// Jane's "Show me 5 incidents assigned to me".
    let janeChain: String
    let harrietChain: String
    /// The incident Jane set to in progress.
    let janeResource = "servicenow:incident/INC0012389"

    /// Starts the stack in `directory` and runs the three chains.
    static func start(in directory: TemporaryDirectory) async throws -> DevUpStack {
        try await start(dataDirectory: directory.file("stack"))
    }

    /// Starts the stack on the data directory `data` (new, or one a daemon used) and runs the three chains.
    static func start(dataDirectory data: String) async throws -> DevUpStack {
        let (process, endpoints) = try await launch(dataDirectory: data)
        let baton = try #require(endpoints?["baton"] as? String)
        let idp = try #require(endpoints?["idp"] as? String)
        func chain(_ user: String, _ request: String) async throws -> String {
            let invoke = BatonProcess(["invoke", "--url", baton, "--idp", idp, "--user", user, request], directory: RepositoryPaths.root)
            #expect(try await invoke.run() == 0, "\(invoke.standardError)")
            let match = try #require(invoke.standardOutput.firstMatch(of: /chain ([0-9a-f-]{36})/), "\(invoke.standardOutput)")
            return String(match.output.1)
        }
        let jane = try await chain("jane@contoso.com", "Show me 5 incidents assigned to me")
        let harriet = try await chain("harriet@contoso.com", "Show me 5 incidents assigned to me")
        _ = try await chain("jane@contoso.com", "Set INC0012389 to in progress")
        return DevUpStack(process: process, baton: baton, idp: idp, dataDirectory: data, janeChain: jane, harrietChain: harriet)
    }

    /// `baton dev up` (with `arguments`) on `data`, once it has written `endpoints.json`, and what that file says.
    static func launch(dataDirectory data: String, arguments: [String] = []) async throws -> (BatonProcess, [String: Any]?) {
        let process = BatonProcess(["dev", "up", "--data-dir", data] + arguments, directory: RepositoryPaths.root)
        try process.start()
        for _ in 0..<1_200 where !FileManager.default.fileExists(atPath: "\(data)/endpoints.json") {
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let endpoints = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(data)/endpoints.json"))) as? [String: Any]
        return (process, endpoints)
    }

    /// Runs `body` with a stack of its own (the seed's Strands agent, which the stack starts,
    /// is one of the Pythons that run one at a time), and stops the stack after.
    static func with(_ body: @Sendable (DevUpStack) async throws -> Void) async throws {
        try await InteropSlot.exclusive {
            let directory = try TemporaryDirectory()
            try await with(dataDirectory: directory.file("stack"), body)
        }
    }

    /// Runs `body` with a stack on `data` (the caller holds the interop slot), and stops it after.
    static func with(dataDirectory data: String, _ body: @Sendable (DevUpStack) async throws -> Void) async throws {
        let stack = try await start(dataDirectory: data)
        do {
            try await body(stack)
        } catch {
            _ = try? await stack.process.stop(signal: SIGINT)
            throw error
        }
        let (status, _) = try await stack.process.stop(signal: SIGINT)
        #expect(status == 0, "baton dev up stops cleanly: \(stack.process.standardError.suffix(2_000))")
    }

    /// A token for `user` from the stack's IdP (for the API, not the console).
    func token(_ user: String) async throws -> String {
        let token = BatonProcess(["dev", "token", "--user", user, "--idp", idp], directory: RepositoryPaths.root)
        #expect(try await token.run() == 0, "\(token.standardError)")
        return token.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// What a browser does, over plain HTTP: keeps the console's cookies, follows nothing by
/// itself, and records every response so a test can check them all.
actor ConsoleClient {
    let base: String
    private(set) var cookies: [String: String] = [:]
    private(set) var responses: [(path: String, result: HTTPResult)] = []

    init(base: String) {
        self.base = base
    }

    func setCookie(_ name: String, _ value: String?) {
        cookies[name] = value
    }

    @discardableResult
    func get(_ path: String) async throws -> HTTPResult {
        try await send(path, method: "GET", body: nil)
    }

    @discardableResult
    func post(_ path: String, _ fields: [String: String], headers: [String: String] = [:]) async throws -> HTTPResult {
        try await send(path, method: "POST", body: URLText.formEncoded(fields), headers: headers)
    }

    private func send(_ path: String, method: String, body: String?, headers: [String: String] = [:]) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: path.hasPrefix("http") ? path : base + path)!, timeoutInterval: 30)
        request.httpMethod = method
        if !cookies.isEmpty { request.setValue(cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "), forHTTPHeaderField: "Cookie") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.utf8)
        }
        let result = try await httpRequestNotFollowingRedirects(request)
        if path.hasPrefix(base) || !path.hasPrefix("http") { responses.append((path, result)) }
        for match in (result.headers["set-cookie"] ?? "").matches(of: /(?:^|, )(baton_console[a-z_]*)=([^;]*)/) {
            cookies[String(match.output.1)] = match.output.2.isEmpty ? nil : String(match.output.2)
        }
        return result
    }

    /// Signs `user` in: the console sends the browser to the IdP, the IdP's page takes the
    /// password and sends a code back to the console's callback.
    func signIn(_ user: String) async throws {
        let start = try await get("/console/signin")
        let authorize = try #require(start.headers["location"], "\(start.status)")
        let page = try await get(authorize)
        try #require(page.status == 200, "\(page.body)")
        var form: [String: String] = [:]
        for match in page.body.matches(of: /<input type="hidden" name="([^"]*)" value="([^"]*)">/) {
            form[String(match.output.1)] = String(match.output.2).replacingOccurrences(of: "&amp;", with: "&")
        }
        form["username"] = user
        form["password"] = "\(user.prefix { $0 != "@" })-dev-password"
        let action = try #require(page.body.firstMatch(of: /<form method="post" action="([^"]*)">/)?.output.1)
        var target = String(action).replacingOccurrences(of: "&amp;", with: "&")
        if target.hasPrefix("/"), let url = URL(string: authorize), let scheme = url.scheme, let host = url.host, let port = url.port {
            target = "\(scheme)://\(host):\(port)\(target)"
        }
        let signedIn = try await post(target, form)
        let callback = try #require(signedIn.headers["location"], "\(signedIn.status) \(signedIn.body)")
        let back = try await get(callback)
        try #require(back.status == 200, "\(back.body)")
        try #require(cookies["baton_console"] != nil, "the callback opens a session")
    }

    /// The CSRF token in a page's forms.
    static func csrf(in page: String) -> String? {
        page.firstMatch(of: /name="csrf" value="([^"]*)"/).map { String($0.output.1) }
    }
}
