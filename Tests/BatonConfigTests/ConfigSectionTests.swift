import BatonConfig
import BatonCore
import Testing

@Suite("Strict section reading")
struct ConfigSectionTests {
    private func root(_ yaml: String, environment: [String: String] = [:]) throws -> ConfigSection {
        try ConfigDocument(yaml: yaml, path: "test.yaml", environment: environment).rootSection()
    }

    @Test("a secret that is not a string shows no part of its value in the error")
    func secretErrorsAreMasked() throws {
        let section = try root("client_secret: [hunter2]\n")
        #expect(throws: ConfigError.self) { let _: Secret? = try section.optionalValue("client_secret") }
        let fromEnvironment = try root("", environment: ["BATON_TOKEN": "hunter2"])
        let value: Secret? = try fromEnvironment.optionalValue("token")
        #expect(value?.revealed == "hunter2")
        #expect(Secret(configText: "hunter2")?.configText == Secret.mask)
    }

    @Test("lists read from the file, with each bad element named by index")
    func lists() throws {
        let section = try root("ports: [1, 2, x]\nnames: [a, b]\n")
        let names: [String] = try section.list("names", default: [])
        #expect(names == ["a", "b"])
        do {
            let _: [Int] = try section.list("ports", default: [])
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "test.yaml:1: ports[2]: expected an integer, found 'x'")
        }
    }

    @Test("a list overridden from the environment is comma-separated")
    func listFromEnvironment() throws {
        let section = try root("", environment: ["BATON_TENANTS": "a, b ,c"])
        let tenants: [String] = try section.list("tenants", default: [])
        #expect(tenants == ["a", "b", "c"])
    }

    @Test("sections of a list are named key[i] in errors")
    func sectionsOfAList() throws {
        let section = try root("issuers:\n  - url: a\n  - url: b\n    extra: 1\n")
        let issuers = try section.sections("issuers")
        #expect(issuers.count == 2)
        let second = issuers[1]
        let url: String = try second.requiredValue("url")
        #expect(url == "b")
        #expect(throws: ConfigError.unknownKey(origin: .file(path: "test.yaml", line: 4), keyPath: "issuers[1].extra", known: ["url"])) {
            try second.finish()
        }
    }

    @Test("a required key that is missing is named")
    func requiredKey() throws {
        let section = try root("a: 1\n")
        #expect(throws: ConfigError.missingKey(origin: .file(path: "test.yaml", line: 1), keyPath: "b")) {
            let _: String = try section.requiredValue("b")
        }
    }

    @Test("an explicit null takes the default")
    func explicitNull() throws {
        let section = try root("a: ~\nb:\n")
        #expect(try section.value("a", default: 5) == 5)
        #expect(try section.value("b", default: "x") == "x")
    }
}
