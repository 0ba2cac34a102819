import BatonConfig
import BatonTestSupport
import Foundation
import Testing

/// The hostile-load trial's finding: a bearer value with a NUL byte, or one of 100 KB, got
/// a bare 400 from the HTTP layer, without the challenge every other refused token gets.
/// Now every refused bearer value is a 401 with `WWW-Authenticate` and a stable code, and
/// only a head too large to read at all is 431 — documented, with the API's error body.
@Suite("Unreadable requests: a refused bearer of any byte or length gets a challenge; a head too large to read gets 431")
struct UnreadableRequestTests {
    @Test(
        "a bearer value with a NUL byte, or another control character, is answered 401 with WWW-Authenticate and token_unreadable, and the connection closes",
        arguments: ["\u{0}", "\u{1}", "\u{7F}", "\u{1B}"])
    func controlBytes(_ byte: String) async throws {
        try await ConnectionLimitsTests.withDaemon(ConnectionSettings()) { sn, _, port in
            let token = try await sn.idp.signIn()
            let poisoned = String(token.prefix(40)) + byte + String(token.dropFirst(40))
            let answer = try await Self.send(port: port, authorization: "Bearer \(poisoned)")
            #expect(answer.hasPrefix("HTTP/1.1 401"), "\(answer.prefix(200))")
            #expect(answer.contains(#"WWW-Authenticate: Bearer realm="baton", error="invalid_token""#), "\(answer)")
            #expect(answer.contains(#""code":"token_unreadable""#), "\(answer)")
            #expect(!answer.contains(String(token.prefix(40))), "no part of the token is echoed")
        }
    }

    @Test(
        "a bearer value of 60 KB is a refused token (401, token_oversized); one of 100 KB makes the head too large to read: 431 request_head_too_large"
    )
    func longValues() async throws {
        try await ConnectionLimitsTests.withDaemon(ConnectionSettings()) { _, _, port in
            let long = try await Self.send(port: port, authorization: "Bearer " + String(repeating: "a", count: 60_000))
            #expect(long.hasPrefix("HTTP/1.1 401"), "\(long.prefix(300))")
            #expect(long.contains(#"WWW-Authenticate: Bearer realm="baton", error="invalid_token""#))
            #expect(long.contains(#""code":"token_oversized""#))

            let huge = try await Self.send(port: port, authorization: "Bearer " + String(repeating: "a", count: 100_000))
            #expect(huge.hasPrefix("HTTP/1.1 431"), "\(huge.prefix(300))")
            #expect(huge.contains(#""code":"request_head_too_large""#))
        }
    }

    @Test("a head that is not HTTP at all is 400 request_malformed in the API's error shape; bad bytes in another field are not taken for a token")
    func malformed() async throws {
        try await ConnectionLimitsTests.withDaemon(ConnectionSettings()) { sn, _, port in
            let token = try await sn.idp.signIn()
            let connection = try await RawConnection(port: port)
            try await connection.send("GET /v1/agents HTTP/1.1\r\nHost: x\r\nX-Note: a\u{0}b\r\nAuthorization: Bearer \(token)\r\n\r\n")
            let answer = await connection.readUntilClosed(timeout: .seconds(30))
            #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(answer.text.prefix(200))")
            #expect(answer.text.contains(#""code":"request_malformed""#))
            #expect(!answer.text.contains("WWW-Authenticate"))
        }
    }

    /// Sends a GET of `/v1/agents` with `authorization` as it is; the whole answer.
    static func send(port: Int, authorization: String) async throws -> String {
        let connection = try await RawConnection(port: port)
        try await connection.send("GET /v1/agents HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: \(authorization)\r\n\r\n")
        let answer = await connection.readUntilClosed(timeout: .seconds(30))
        #expect(answer.closed, "the connection is closed after the answer")
        return answer.text
    }
}
