import BatonLedger
import Foundation
import Testing

@testable import BatonServer

@Suite("The audit console's pieces")
struct ConsolePiecesTests {
    @Test("CSV cells: quoted when they must be, formulas defused, one row per entry")
    func csv() {
        #expect(ChainExport.cell("plain") == "plain")
        #expect(ChainExport.cell("a,b") == "\"a,b\"")
        #expect(ChainExport.cell("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(ChainExport.cell("line\nbreak") == "\"line\nbreak\"")
        #expect(ChainExport.cell("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"")
        #expect(ChainExport.cell("x\r\n=cmd|' /C calc'!A0") == "\"x\r\n=cmd|' /C calc'!A0\"", "a CRLF inside a cell keeps it one cell")
        #expect(ChainExport.cell("+1") == "'+1" && ChainExport.cell("@SUM(A1)") == "'@SUM(A1)" && ChainExport.cell("-2") == "'-2")
    }

    @Test("a quote with a combining mark after it is still escaped: no attribute injection")
    func escapingByScalar() {
        let hostile = "\"\u{0301} autofocus hidden x=\u{200D}'"
        let page: HTML = "<input value=\"\(hostile)\">"
        #expect(!page.markup.dropFirst(14).dropLast(2).unicodeScalars.contains("\""), "\(page.markup)")
        #expect(page.markup.hasPrefix("<input value=\"&quot;\u{0301} autofocus") && page.markup.contains("&#39;"))
    }

    @Test("after sign-in only a console path is a place to return to: no open redirect")
    func returnPaths() {
        #expect(ConsoleRoutes.safeReturnPath("/console/chains/abc") == "/console/chains/abc")
        #expect(ConsoleRoutes.safeReturnPath("/console?user=jane") == "/console?user=jane")
        for hostile in [
            "//evil.example/console", "https://evil.example/console", "/consolex", "/console/..//evil", "/console\\@evil",
            "/console/\r\nSet-Cookie: x", nil,
        ] {
            #expect(ConsoleRoutes.safeReturnPath(hostile) == "/console", "\(hostile ?? "nil")")
        }
    }

    @Test("a datetime-local value becomes ISO 8601 UTC; other values pass as typed")
    func dates() {
        #expect(ConsoleRoutes.dateForm("since", "2026-12-03T11:00") == "2026-12-03T11:00:00Z")
        #expect(ConsoleRoutes.dateForm("until", "2026-12-03T11:00:07") == "2026-12-03T11:00:07Z")
        #expect(ConsoleRoutes.dateForm("since", "2026-12-03") == "2026-12-03T00:00:00Z")
        #expect(ConsoleRoutes.dateForm("since", "2026-12-03T11:00:00Z") == "2026-12-03T11:00:00Z")
        #expect(ConsoleRoutes.dateForm("user", "2026-12-03") == "2026-12-03")
        #expect(ConsoleQueries.day("2026-12-03") == Date(timeIntervalSince1970: 1_796_256_000))
        #expect(ConsoleQueries.day("2026-13-45") == nil && ConsoleQueries.day("yesterday") == nil)
    }

    @Test("the witnesses on a checkpoint note are its signers other than the ledger")
    func cosigners() {
        let note =
            "example.com/baton/ledger\n42\nabc=\n\n\u{2014} example.com/baton/ledger AAAA\n\u{2014} witness.example/w1 BBBB\n\u{2014} w2 CCCC\n"
        #expect(LedgerHealth.cosigners(of: note, besides: "example.com/baton/ledger") == ["witness.example/w1", "w2"])
        #expect(LedgerHealth.cosigners(of: nil, besides: "x").isEmpty)
    }

    @Test("the banner names the first bad entry and appears only when the last verification failed")
    func banner() {
        let failed = LedgerHealth.Verification(
            finishedAt: Date(timeIntervalSince1970: 1_796_256_000), seconds: 0.1, entries: 9, checkpoints: 1, cosignatures: 0,
            firstProblem: .altered(sequence: 4), problemCount: 2)
        let page = ConsoleLayout(session: nil, verification: failed).page("x", section: nil, "<p>body</p>").markup
        #expect(page.contains("role=\"alert\"><strong>The ledger does not verify.</strong> First bad entry: <a href=\"/console/ledger\">4</a>"))
        #expect(page.contains("2 problem(s)"))
        let intact = LedgerHealth.Verification(
            finishedAt: Date(), seconds: 0.1, entries: 9, checkpoints: 1, cosignatures: 0, firstProblem: nil, problemCount: 0)
        #expect(!ConsoleLayout(session: nil, verification: intact).page("x", section: nil, "").markup.contains("banner"))
    }

    @Test("a trace id links to the tracing backend when console.trace_url is set, escaped; otherwise it is shown as code")
    func traceLinks() {
        let plain = ConsoleLayout(session: nil, verification: nil)
        #expect(plain.trace("4bf92f3577b34da6a3ce929d0e0e4736").markup == "<code>4bf92f3577b34da6a3ce929d0e0e4736</code>")
        #expect(plain.trace(nil).markup.isEmpty)
        let linked = ConsoleLayout(session: nil, verification: nil, traceURL: "https://jaeger.example.com/trace/{trace_id}?x=1&y=2")
        #expect(
            linked.trace("4bf92f35\"<x>").markup
                == "<a href=\"https://jaeger.example.com/trace/4bf92f35%22%3Cx%3E?x=1&amp;y=2\" rel=\"noreferrer\">4bf92f35&quot;&lt;x&gt;</a>")
    }

    @Test("sessions: unknown ids are none, a pending sign-in is used once, expired sessions end")
    func sessions() async {
        let clock = Clock()
        let sessions = ConsoleSessions(lifetime: .seconds(60), now: { clock.now })
        let (pending, challenge, cookie) = sessions.begin(returnPath: "/console")
        #expect(challenge.count == 43 && pending.state.count == 43 && pending.nonce != pending.state)
        #expect(await sessions.pending(cookie: cookie, state: pending.state) == pending)
        await sessions.complete(pending)
        #expect(await sessions.pending(cookie: cookie, state: pending.state) == nil, "used once")
        let viewer = ConsoleViewer(tenantID: "t", objectID: "o", username: "jane@contoso.com", name: nil, isAuditor: false)
        let session = await sessions.open(for: viewer)
        #expect(await sessions.session(id: session.id)?.viewer == viewer)
        #expect(await sessions.session(id: session.id + "x") == nil)
        clock.now = clock.now.addingTimeInterval(61)
        #expect(await sessions.session(id: session.id) == nil, "expired")
        let late = sessions.begin(returnPath: "/console")
        clock.now = clock.now.addingTimeInterval(601)
        #expect(await sessions.pending(cookie: late.cookie, state: late.pending.state) == nil, "a sign-in older than ten minutes")
    }

    @Test(
        "a pending sign-in lives sealed in its browser's cookie: a flood of sign-ins keeps nothing and pushes out no one; an altered, foreign or mismatched cookie opens nothing; the verifier is not readable in it"
    )
    func sealedSignIns() async {
        let sessions = ConsoleSessions(lifetime: .seconds(60))
        let jane = sessions.begin(returnPath: "/console/chains")
        for _ in 0..<20_000 { _ = sessions.begin(returnPath: "/console") }
        #expect(await sessions.pending(cookie: jane.cookie, state: jane.pending.state)?.returnPath == "/console/chains", "still hers after the flood")
        #expect(await sessions.pending(cookie: jane.cookie, state: "another-state") == nil, "a cookie answers only for its own state")
        var altered = Array(jane.cookie)
        altered[altered.count / 2] = altered[altered.count / 2] == "A" ? "B" : "A"
        #expect(await sessions.pending(cookie: String(altered), state: jane.pending.state) == nil, "an altered cookie")
        let other = ConsoleSessions(lifetime: .seconds(60))
        #expect(await other.pending(cookie: jane.cookie, state: jane.pending.state) == nil, "another daemon's (or a restarted one's) cookie")
        #expect(await sessions.pending(cookie: "", state: jane.pending.state) == nil)
        #expect(!jane.cookie.contains(jane.pending.verifier.revealed) && !jane.cookie.contains(jane.pending.state), "sealed, not encoded")
    }

    final class Clock: @unchecked Sendable {
        var now = Date(timeIntervalSince1970: 1_796_256_000)
    }
}
