import Testing

@testable import BatonConfig

@Suite("${VAR} interpolation")
struct InterpolationTests {
    let interpolation = Interpolation(environment: ["HOST": "db.internal", "EMPTY": ""])

    @Test("a set variable is substituted wherever it appears")
    func substitutes() throws {
        #expect(try interpolation.expand("${HOST}:5432") == "db.internal:5432")
        #expect(try interpolation.expand("a-${HOST}-b-${HOST}") == "a-db.internal-b-db.internal")
    }

    @Test("a fallback applies only when the variable is unset")
    func fallback() throws {
        #expect(try interpolation.expand("${PORT:-8080}") == "8080")
        #expect(try interpolation.expand("${HOST:-other}") == "db.internal")
        #expect(try interpolation.expand("${EMPTY:-other}") == "")
    }

    @Test("$$ is a literal dollar and a lone $ stays as it is")
    func literalDollar() throws {
        #expect(try interpolation.expand("cost $$5 ${HOST}") == "cost $5 db.internal")
        #expect(try interpolation.expand("a$b") == "a$b")
    }

    @Test("an unset variable without fallback is an error naming it")
    func unsetIsAnError() {
        #expect(throws: Interpolation.Failure.unset("NOPE")) { try interpolation.expand("x${NOPE}y") }
    }

    @Test("an unclosed or invalid reference is an error")
    func malformed() {
        #expect(throws: Interpolation.Failure.self) { try interpolation.expand("${HOST") }
        #expect(throws: Interpolation.Failure.self) { try interpolation.expand("${BAD-NAME}") }
        #expect(throws: Interpolation.Failure.self) { try interpolation.expand("${}") }
    }
}
