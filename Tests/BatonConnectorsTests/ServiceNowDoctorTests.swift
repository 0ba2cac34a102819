import BatonConnectors
import BatonCore
import BatonDevKit
import BatonTestSupport
import Foundation
import Testing

@Suite("baton doctor servicenow: each misconfiguration named with its fix")
struct ServiceNowDoctorTests {
    @Test(
        "the doctor names the cause of each way the emulator can be misconfigured",
        arguments: [
            ("healthy", nil as String?, nil as String?),
            ("wrong audience", "audience", "Client ID"),
            ("JTI on", "jti", "uti"),
            ("no matching user", "user", "No single active sys_user"),
            ("wrong issuer", "issuer", "is not the issuer"),
            ("skewed clock", "clock", "clock is"),
        ])
    func diagnosis(name: String, failingCheck: String?, phrase: String?) async throws {
        try await ServiceNowFixture.withRunning { sn in
            let good = await sn.emulator.oidcSettings()
            var settings = good
            switch name {
            case "wrong audience": settings.clientID = "api://servicenow"
            case "JTI on": settings.jtiVerification = true
            case "no matching user": settings.userField = "user_name"
            case "wrong issuer": settings.metadataURL = good.metadataURL.replacingOccurrences(of: "/v2.0/", with: "/")
            case "skewed clock": sn.emulator.instance.clock.setOffset(7_200)
            default: break
            }
            await sn.emulator.configure(settings)
            // The test knows the instance from inside, as an administrator would: its users and its clock.
            let instance = sn.emulator.instance
            let doctor = ServiceNowDoctor(
                baseURL: sn.url, users: { field, value in await instance.user(where: field, equals: value) == nil ? 0 : 1 },
                instanceClock: { instance.clock.now })
            let expectation = settings
            let token = try await sn.token()
            let findings = await doctor.diagnose(token: Secret(token), expectation: expectation)
            let failed = findings.filter { $0.outcome == .fail }
            let report = findings.map { "\($0.outcome.rawValue) \($0.check): \($0.explanation)" }.joined(separator: "\n")
            #expect(!report.contains(token), "the doctor never prints the token")
            guard let failingCheck, let phrase else {
                #expect(failed.isEmpty, "\(report)")
                return
            }
            let finding = try #require(findings.first { $0.check == failingCheck && $0.outcome == .fail }, "\(name): \(report)")
            #expect(finding.explanation.contains(phrase), "\(name): \(finding.explanation)")
            #expect(failed.last?.check == "table api", "the Table API refuses it too: \(report)")
            #expect(failed.map(\.check) == [failingCheck, "table api"], "exactly one cause is named: \(report)")
        }
    }
}
