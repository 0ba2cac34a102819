import BatonTestSupport
import Foundation
import Testing

/// The audit console in Debian's Chromium, driven by Selenium through Debian's chromedriver
/// (`.ci/run` installs both and `scripts/interop-clients` the pinned Selenium). Screenshots of
/// the pages land in `ci-artifacts/console/` for people to look at.
@Suite("The audit console in a real browser")
struct ConsoleBrowserTests {
    static let screenshots = RepositoryPaths.path("ci-artifacts/console")

    @Test("Audrey finds Jane's chain and sees its picture; Jane sees only hers; forged cookies and missing CSRF tokens are refused")
    func browser() async throws {
        let python = try InteropVirtualenv.python("console", overriddenBy: "BATON_CONSOLE_PYTHON")
        for program in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            try #require(
                FileManager.default.isExecutableFile(atPath: program),
                "\(program) is missing: apt-get install chromium chromium-driver (.ci/run does)")
        }
        try? FileManager.default.removeItem(atPath: Self.screenshots)
        try FileManager.default.createDirectory(atPath: Self.screenshots, withIntermediateDirectories: true)
        try await DevUpStack.with { stack in
            let (status, output) = try await ChildProcess.run(
                python, [RepositoryPaths.path("Tests/batonTests/Interop/console_browser.py")],
                environment: [
                    "BATON_URL": stack.baton, "IDP_URL": stack.idp, "JANE_CHAIN": stack.janeChain, "HARRIET_CHAIN": stack.harrietChain,
                    "RESOURCE": stack.janeResource, "JANE_TOKEN": try await stack.token("jane@contoso.com"), "SCREENSHOTS": Self.screenshots,
                    // Selenium must use the driver it is given and never fetch one.
                    "SE_OFFLINE": "true",
                ])
            #expect(status == 0, "\(output)")
            let report = output.split(separator: "\n").last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(report?["ok"] as? Bool == true, "\(output)")
            let seen = report?["seen"] as? [String: Any]
            #expect(seen?["jane_harriet_chain"] as? Int == 404)
            #expect((seen?["chain_nodes"] as? [String])?.contains("servicenow") == true)
        }
        for name in ["search", "chain", "ledger", "resource", "day"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(Self.screenshots)/\(name).png"))
            #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]) && data.count > 10_000, "\(name).png is a screenshot")
        }
    }
}
