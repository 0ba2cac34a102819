import BatonTestSupport
import Foundation
import Testing

/// The CI-sized soak: `baton bench soak --chains 10000` runs the demo mesh under the mixed
/// load (refused delegations, MFA challenges, ServiceNow faults, two key rotations) and
/// exits 1 when any of its checks fails; every check must print `ok`.
@Suite("baton bench soak, 10,000 chains", .serialized)
struct SoakCommandTests {
    @Test("10,000 mixed chains: every chain in the ledger once, no unexpected outcome, flat RSS, no open file left, a ledger that verifies")
    func tenThousandChains() async throws {
        let soak = BatonProcess(["bench", "soak", "--chains", "10000", "--clients", "16"], directory: RepositoryPaths.root)
        let status = try await InteropSlot.exclusive { try await soak.run() }
        let output = soak.standardOutput
        #expect(status == 0, "\(output)\n\(soak.standardError)")
        let checks = output.split(separator: "\n").filter { $0.hasPrefix("ok  ") || $0.hasPrefix("FAIL") }
        #expect(checks.count == 8, "every check reported: \(output)")
        #expect(checks.allSatisfy { $0.hasPrefix("ok  ") }, "\(checks)")
        #expect(output.contains("2 key rotations"))
        #expect(output.contains("delegation_cycle"), "the mix includes refused delegations: \(output)")
        #expect(output.contains("claims_challenge"), "the mix includes MFA challenges: \(output)")
        #expect(!output.contains("eyJ"), "no token is printed")
    }
}
