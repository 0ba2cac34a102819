import BatonTestSupport
import Foundation
import Testing

@Suite("baton dev idp and baton dev token, as processes")
struct DevCommandTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test("dev idp prints its authority; dev token prints Jane's token for the concierge, and a wrong password fails with the AADSTS reason")
    func tokenFromRunningProvider() async throws {
        let idp = BatonProcess(["dev", "idp", "--port", "0"], directory: Self.packageRoot)
        try idp.start()
        defer { idp.signal(SIGKILL) }
        let deadline = ContinuousClock.now + .seconds(60)
        while !idp.standardOutput.contains("a token:"), ContinuousClock.now < deadline, idp.isRunning {
            try await Task.sleep(for: .milliseconds(50))
        }
        let line = try #require(idp.standardOutput.split(separator: "\n").first { $0.contains("authority:") }, "\(idp.standardError)")
        let authority = String(line.split(separator: " ").last!)
        let base = String(authority[..<authority.lastIndex(of: "/")!])

        let token = BatonProcess(["dev", "token", "--user", "jane@contoso.com", "--idp", base], directory: Self.packageRoot)
        #expect(try await token.run() == 0, "\(token.standardError)")
        let parts = token.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".")
        #expect(parts.count == 3)
        let payload = try #require(Data(base64Encoded: Self.padded(String(parts[1]))))
        let claims = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        #expect(claims["aud"] as? String == "f29e5eaf-f81c-5262-932d-f17bda388270")
        #expect(claims["preferred_username"] as? String == "jane@contoso.com")

        let refused = BatonProcess(["dev", "token", "--user", "jane@contoso.com", "--password", "wrong", "--idp", base], directory: Self.packageRoot)
        #expect(try await refused.run() == 1)
        #expect(refused.standardOutput.isEmpty)
        #expect(refused.standardError.contains("AADSTS50126: Error validating credentials due to invalid username or password."))

        let (status, _) = try await idp.stop()
        #expect(status == 0)
    }

    @Test("dev idp refuses a broken tenant file with status 78 naming the field")
    func brokenTenant() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("tenant.yaml", "tenant:\n  id: nope\n  domain: x\n")
        let idp = BatonProcess(["dev", "idp", "--config", path])
        #expect(try await idp.run() == 78)
        #expect(idp.standardError.contains("\(path):2: tenant.id: 'nope' is not a GUID"))
    }

    static func padded(_ base64url: String) -> String {
        let base64 = base64url.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        return base64 + String(repeating: "=", count: (4 - base64.count % 4) % 4)
    }
}
