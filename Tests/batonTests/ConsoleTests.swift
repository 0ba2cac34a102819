import BatonTestSupport
import Foundation
import GRDB
import Testing

/// The audit console over HTTP, against `baton dev up`: who may see what, sessions, CSRF,
/// the headers on every response, bad input. ConsoleBrowserTests drives the same pages in Chromium.
@Suite("The audit console over HTTP")
struct ConsoleTests {
    @Test("Jane sees only her chains: Harriet's chain, day and entries are 404 or absent; the auditor sees both")
    func visibility() async throws {
        try await DevUpStack.with { stack in
            let jane = ConsoleClient(base: stack.baton)
            try await jane.signIn("jane@contoso.com")

            let own = try await jane.get("/console/chains/\(stack.janeChain)")
            #expect(own.status == 200)
            #expect(own.body.contains("<svg class=\"chain\""))
            for node in ["concierge", "triage", "itsm", "servicenow"] { #expect(own.body.contains(">\(node)</text>"), "node \(node)") }
            #expect(try await jane.get("/console/chains/\(stack.harrietChain)").status == 404)
            #expect(try await jane.get("/console/chains/\(stack.harrietChain)/entries.json").status == 404)
            #expect(try await jane.get("/console/chains/\(stack.harrietChain)/entries.csv").status == 404)
            #expect(try await jane.get("/console/users/harriet@contoso.com").status == 404)
            let search = try await jane.get("/console")
            #expect(search.status == 200)
            #expect(search.body.contains("jane@contoso.com") && !search.body.contains("harriet"), "Jane's search shows only her entries")
            let searchForHarriet = try await jane.get("/console?user=harriet%40contoso.com")
            #expect(
                searchForHarriet.status == 200 && !searchForHarriet.body.contains("harriet@contoso.com</a>"),
                "a search for Harriet finds nothing for Jane")
            let vault = try await jane.get("/console/vault")
            #expect(
                vault.body.contains("jane@contoso.com") && !vault.body.contains("harriet@contoso.com"), "Jane's vault overview lists only her tokens")
            let resource = try await jane.get("/console/resources?name=\(stack.janeResource)")
            #expect(resource.body.contains("concierge → triage → itsm"))

            let audrey = ConsoleClient(base: stack.baton)
            try await audrey.signIn("audrey@contoso.com")
            #expect(try await audrey.get("/console/chains/\(stack.harrietChain)").status == 200, "the auditor sees every chain")
            let everyone = try await audrey.get("/console/vault")
            #expect(everyone.body.contains("jane@contoso.com") && everyone.body.contains("harriet@contoso.com"))
            let json = try await audrey.get("/console/chains/\(stack.janeChain)/entries.json")
            #expect(json.status == 200 && json.contentType == "application/json")
            let exported = try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: Any]
            #expect(exported?["chain_id"] as? String == stack.janeChain)
            #expect(((exported?["entries"] as? [[String: Any]]) ?? []).count >= 8)
            let csv = try await audrey.get("/console/chains/\(stack.janeChain)/entries.csv")
            #expect(csv.body.hasPrefix("sequence,time,chain_id,hop,"))
            #expect(csv.body.split(separator: "\r\n").count == ((exported?["entries"] as? [Any]) ?? []).count + 1)

            // The proof bundle: before the first signed checkpoint covers the chain, a 503 that says so.
            let proof = try await audrey.get("/console/chains/\(stack.janeChain)/proof.json")
            if proof.status == 200 {
                let bundles = (try JSONSerialization.jsonObject(with: Data(proof.body.utf8)) as? [String: Any])?["bundles"] as? [Any]
                #expect(bundles?.count == ((exported?["entries"] as? [Any]) ?? []).count, "a bundle per entry")
            } else {
                #expect(proof.status == 503 && proof.body.contains("cannot be proven yet"), "\(proof.status) \(proof.body)")
            }
            #expect(try await jane.get("/console/chains/\(stack.harrietChain)/proof.json").status == 404)
            for client in [jane, audrey] {
                for (path, result) in await client.responses {
                    #expect(result.headers["content-security-policy"]?.contains("script-src 'self'") == true, "CSP on \(path)")
                    #expect(result.headers["x-content-type-options"] == "nosniff", "nosniff on \(path)")
                    #expect(!result.body.contains("eyJ"), "no token in \(path)")
                    #expect(!result.body.contains("dev-password") && !result.body.contains("-secret"), "no secret in \(path)")
                }
            }
        }
    }

    @Test("sessions: cookie flags, a forged cookie is no session, a POST without its CSRF token is 403, sign-out ends the session")
    func sessions() async throws {
        try await DevUpStack.with { stack in
            let anonymous = ConsoleClient(base: stack.baton)
            let first = try await anonymous.get("/console/chains/\(stack.janeChain)")
            #expect(first.status == 303 && first.headers["location"] == "/console/signin?return=%2Fconsole%2Fchains%2F\(stack.janeChain)")
            let signIn = try await anonymous.get("/console/signin?return=//evil.example/x")
            let location = try #require(signIn.headers["location"])
            #expect(location.hasPrefix("\(stack.idp)/") && location.contains("code_challenge_method=S256") && location.contains("nonce="))
            #expect(signIn.headers["set-cookie"]?.contains("HttpOnly") == true && signIn.headers["set-cookie"]?.contains("SameSite=Lax") == true)
            // A callback this browser did not start is refused.
            let stranger = ConsoleClient(base: stack.baton)
            #expect(try await stranger.get("/console/callback?code=x&state=y").status == 400)

            let jane = ConsoleClient(base: stack.baton)
            try await jane.signIn("jane@contoso.com")
            let page = try await jane.get("/console")
            let csrf = try #require(ConsoleClient.csrf(in: page.body))
            #expect(try await jane.post("/console/signout", [:]).status == 403, "no CSRF token")
            #expect(try await jane.post("/console/signout", ["csrf": String(csrf.reversed())]).status == 403, "a wrong CSRF token")
            #expect(
                try await jane.post("/console/signout", ["csrf": csrf], headers: ["Sec-Fetch-Site": "cross-site"]).status == 403, "from another site")
            #expect(try await jane.get("/console").status == 200, "the refused POSTs changed nothing")
            #expect(try await jane.post("/console/ledger/verify", ["csrf": csrf]).status == 403, "only auditors verify the whole ledger")

            let session = try #require(await jane.cookies["baton_console"])
            await jane.setCookie("baton_console", "forged" + session.dropFirst(6))
            #expect(try await jane.get("/console").status == 303, "a forged session cookie is sent to sign in")
            #expect(try await jane.post("/console/signout", ["csrf": csrf]).status == 401)
            await jane.setCookie("baton_console", session)
            let out = try await jane.post("/console/signout", ["csrf": csrf])
            #expect(out.status == 303 && out.headers["location"] == "/console/signed-out")
            await jane.setCookie("baton_console", session)
            #expect(try await jane.get("/console").status == 303, "after sign-out the old cookie is no session")
        }
    }

    @Test("a session holds at most four live views: a fifth is a 429 page; a closed one gives its place back within seconds")
    func liveStreamsPerSession() async throws {
        try await DevUpStack.with { stack in
            let jane = ConsoleClient(base: stack.baton)
            try await jane.signIn("jane@contoso.com")
            let cookie = try #require(await jane.cookies["baton_console"])
            let port = try #require(URL(string: stack.baton)?.port)
            let request =
                "GET /console/live/events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: baton_console=\(cookie)\r\nAccept: text/event-stream\r\n\r\n"
            /// A new stream and what it answered in its first moments.
            func open() async throws -> (RawConnection, String) {
                let connection = try await RawConnection(port: port)
                try await connection.send(request)
                return (connection, await connection.readUntilClosed(timeout: .milliseconds(1_500)).text)
            }
            var streams: [RawConnection] = []
            for _ in 0..<4 {
                let (stream, head) = try await open()
                #expect(head.hasPrefix("HTTP/1.1 200") && head.contains("retry: 3000"), "\(head.prefix(300))")
                streams.append(stream)
            }
            let (_, refused) = try await open()
            #expect(refused.hasPrefix("HTTP/1.1 429") && refused.contains("live views open"), "\(refused.prefix(300))")
            #expect(try await jane.get("/console").status == 200, "the session itself is untouched")

            streams.removeFirst()  // the tab closes; the daemon notices at its next keep-alive
            var reopened = ""
            for _ in 0..<30 where !reopened.hasPrefix("HTTP/1.1 200") {
                try await Task.sleep(for: .seconds(1))
                let (stream, head) = try await open()
                reopened = head
                if head.hasPrefix("HTTP/1.1 200") { streams.append(stream) }
            }
            #expect(reopened.hasPrefix("HTTP/1.1 200"), "a closed view's place is given back: \(reopened.prefix(200))")

            // Another user's session has its own four.
            let audrey = ConsoleClient(base: stack.baton)
            try await audrey.signIn("audrey@contoso.com")
            let other = try await RawConnection(port: port)
            try await other.send(request.replacingOccurrences(of: cookie, with: try #require(await audrey.cookies["baton_console"])))
            #expect(await other.readUntilClosed(timeout: .milliseconds(1_500)).text.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test("hostile query strings are escaped, bad values are 400 pages, unknown chains and paths 404 — all HTML with the CSP")
    func badInput() async throws {
        try await DevUpStack.with { stack in
            let audrey = ConsoleClient(base: stack.baton)
            try await audrey.signIn("audrey@contoso.com")
            let script = "<script>alert(1)</script>"
            let sqlish = "' OR 1=1; DROP TABLE ledger_records;--"
            let found = try await audrey.get(
                "/console?user=\(script.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&resource=\(sqlish.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
            )
            #expect(found.status == 200)
            #expect(!found.body.contains(script) && found.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(found.body.contains("No entries."))
            let kind = try await audrey.get("/console?kind=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
            #expect(kind.status == 400 && !kind.body.contains("<img src=x") && kind.body.contains("kind="))
            #expect(try await audrey.get("/console?since=yesterday").status == 400)
            #expect(try await audrey.get("/console/users/jane@contoso.com?day=2026-13-45").status == 400)
            #expect(try await audrey.get("/console/users/jane@contoso.com?after=%3Cb%3E").status == 400)
            let unknown = try await audrey.get("/console/chains/00000000-0000-0000-0000-000000000000")
            #expect(unknown.status == 404 && unknown.contentType?.hasPrefix("text/html") == true)
            let doubled = try await audrey.get("\(stack.baton)//console/signed-out")
            #expect(doubled.headers["content-security-policy"] != nil, "//console/… is the console too: \(doubled.status)")
            let nowhere = try await audrey.get("/console/no/such/page")
            #expect(nowhere.status == 404 && nowhere.body.contains("Not found"))
            #expect(try await audrey.get("/console/assets/nope.js").status == 404)
            // Paging: one entry per page is not offered, but a page of 50 with more behind it links onward.
            let paged = try await audrey.get("/console?after=0")
            #expect(paged.status == 200)
            let ledger = try await audrey.get("/console/ledger")
            #expect(ledger.body.contains("Not verified since this daemon started"))
            let csrf = try #require(ConsoleClient.csrf(in: ledger.body))
            #expect(try await audrey.post("/console/ledger/verify", ["csrf": csrf]).status == 303)
            #expect(try await audrey.get("/console/ledger").body.contains("Intact:"))
            for (path, result) in await audrey.responses where result.status != 303 || path.hasPrefix("/console") {
                #expect(
                    result.headers["content-security-policy"]
                        == "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                    "CSP on \(path)")
                #expect(!result.body.contains("Fatal error") && !result.body.contains("Swift/"), "no stack trace on \(path)")
            }
        }
    }

    @Test("a ledger that fails verification shows a red banner naming the first bad entry on every page, never a stack trace")
    func tamperedLedger() async throws {
        try await InteropSlot.exclusive {
            let directory = try TemporaryDirectory()
            let first = try await DevUpStack.start(in: directory)
            #expect(try await first.process.stop(signal: SIGINT).status == 0)
            let database = try DatabaseQueue(path: "\(first.dataDirectory)/ledger.sqlite")
            try await database.write { db in
                try db.execute(sql: "UPDATE ledger_entries SET record = (SELECT record FROM ledger_entries WHERE seq = 3) WHERE seq = 2")
            }
            try await database.close()
            let stack = try await DevUpStack.start(in: directory)
            let audrey = ConsoleClient(base: stack.baton)
            try await audrey.signIn("audrey@contoso.com")
            #expect(!(try await audrey.get("/console").body.contains("does not verify")), "no banner before a verification")
            let csrf = try #require(ConsoleClient.csrf(in: try await audrey.get("/console/ledger").body))
            #expect(try await audrey.post("/console/ledger/verify", ["csrf": csrf]).status == 303)
            for path in ["/console", "/console/ledger", "/console/chains/\(stack.janeChain)"] {
                let page = try await audrey.get(path)
                #expect(
                    page.body.contains(
                        "<div class=\"banner failed\" role=\"alert\"><strong>The ledger does not verify.</strong> First bad entry: <a href=\"/console/ledger\">2</a>"
                    ), "the banner on \(path)")
            }
            let health = try await audrey.get("/console/ledger").body
            #expect(health.contains("Not intact:") && health.contains("the first bad entry is 2"))
            let jane = ConsoleClient(base: stack.baton)
            try await jane.signIn("jane@contoso.com")
            #expect(try await jane.get("/console").body.contains("The ledger does not verify."), "everyone is told")
            #expect(try await stack.process.stop(signal: SIGINT).status == 0)
        }
    }
}
