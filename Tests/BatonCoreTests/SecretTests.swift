import BatonCore
import Testing

@Suite("Secret")
struct SecretTests {
    let secret = Secret("hunter2-super-secret")

    @Test("interpolation, description and debug description show only the mask")
    func textualFormsAreMasked() {
        #expect("\(secret)" == Secret.mask)
        #expect(String(describing: secret) == Secret.mask)
        #expect(String(reflecting: secret) == "Secret(\(Secret.mask))")
    }

    @Test("dump shows no part of the value")
    func dumpIsMasked() {
        var output = ""
        dump(secret, to: &output)
        #expect(!output.contains("hunter2"))
    }

    @Test("the value stays reachable through revealed")
    func revealedKeepsTheValue() {
        #expect(secret.revealed == "hunter2-super-secret")
        #expect(!secret.isEmpty)
        #expect(Secret("").isEmpty)
    }
}
