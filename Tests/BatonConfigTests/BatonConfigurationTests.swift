import BatonConfig
import BatonTestSupport
import Foundation
import Testing

@Suite("Loading baton.yaml")
struct BatonConfigurationTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    private func load(_ yaml: String, environment: [String: String] = [:]) throws -> BatonConfiguration.Loaded {
        let path = try directory.write("baton.yaml", yaml)
        return try BatonConfiguration.load(file: path, environment: environment)
    }

    private func loadError(_ yaml: String, environment: [String: String] = [:]) -> ConfigError? {
        do {
            _ = try load(yaml, environment: environment)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    @Test("with no file the embedded defaults apply")
    func defaults() throws {
        let loaded = try BatonConfiguration.load(file: nil, environment: [:])
        #expect(loaded.configuration == BatonConfiguration())
        #expect(loaded.configuration.server.listen.description == "127.0.0.1:8080")
        #expect(loaded.configuration.storage.dataDirectory == "./.baton")
        #expect(loaded.configuration.storage.engine == .sqlite)
        #expect(loaded.configuration.agents.directory == "agents")
    }

    @Test("an empty file means all defaults")
    func emptyFile() throws {
        #expect(try load("").configuration == BatonConfiguration())
        #expect(try load("# only a comment\n").configuration == BatonConfiguration())
    }

    @Test("values in the file replace the defaults")
    func fileValues() throws {
        let configuration = try load(
            """
            server:
              listen: 0.0.0.0:9000
              shutdown_timeout: 3s
            log: {level: debug, format: json}
            storage:
              data_dir: /var/lib/baton
              sqlite:
                busy_timeout: 250ms
            agents:
              dir: /etc/baton/agents
            """
        ).configuration
        #expect(configuration.server.listen == ListenAddress(host: "0.0.0.0", port: 9000))
        #expect(configuration.server.shutdownTimeout == .seconds(3))
        #expect(configuration.log == LogSettings(level: .debug, format: .json))
        #expect(configuration.storage.dataDirectory == "/var/lib/baton")
        #expect(configuration.storage.busyTimeout == .milliseconds(250))
        #expect(configuration.agents.directory == "/etc/baton/agents")
    }

    @Test("an unknown key names the file, its line and the key path")
    func unknownKey() throws {
        let error = try #require(loadError("server:\n  listen: 127.0.0.1:1\n  lisen: 0.0.0.0:2\n"))
        #expect(error.code == "config_unknown_key")
        let path = directory.file("baton.yaml")
        #expect(
            error
                == .unknownKey(
                    origin: .file(path: path, line: 3), keyPath: "server.lisen",
                    known: ["listen", "shutdown_timeout", "memory_trim_interval", "public_url", "connections"]))
        #expect(error.description.hasPrefix("\(path):3: server.lisen: unknown key"))
    }

    @Test("server.public_url must be an http(s) URL without query; a trailing slash is dropped")
    func publicURL() throws {
        #expect(try load("server:\n  public_url: https://baton.example.com/\n").configuration.server.publicURL == "https://baton.example.com")
        for bad in ["ftp://baton.example.com", "https://baton.example.com/?x=1", "baton.example.com", "https://"] {
            let error = try #require(loadError("server:\n  public_url: \(bad)\n"), "\(bad)")
            #expect(error.description.contains("baton.yaml:2: server.public_url"), "\(bad): \(error)")
        }
    }

    @Test("console: served on loopback by default, decided by enabled elsewhere; sign-in settings checked with the key named")
    func console() throws {
        let defaults = try load("").configuration
        #expect(defaults.console.isServed(on: defaults.server.listen) && defaults.console.clientID == nil)
        #expect(!(try load("server:\n  listen: 0.0.0.0:8080\n").configuration.console.isServed(on: ListenAddress(host: "0.0.0.0", port: 8080))))
        let configured = try load(
            """
            server:
              listen: 0.0.0.0:8080
            identity:
              audiences: [api://concierge]
              issuers: [{name: dev, type: entra, authority: "http://127.0.0.1:9400", tenants: [adee7793-9972-5755-8b10-f72a6db321e6]}]
            console:
              enabled: true
              client_id: app-1
              scope: api://concierge/access_as_user
              issuer: dev
              session_lifetime: 2h
              trace_url: https://jaeger.example.com/trace/{trace_id}
            """
        ).configuration
        #expect(
            configured.console
                == ConsoleSettings(
                    enabled: true, clientID: "app-1", scope: "api://concierge/access_as_user", issuer: "dev", sessionLifetime: .seconds(7_200),
                    traceURL: "https://jaeger.example.com/trace/{trace_id}"))
        #expect(configured.console.isServed(on: configured.server.listen))
        #expect(configured.renderedYAML().contains("console:\n  enabled: true\n  client_id: app-1"))
        let path = directory.file("baton.yaml")
        #expect(loadError("console:\n  client_id: app-1\n")?.description.hasPrefix("\(path):2: console.scope:") == true)
        #expect(loadError("console:\n  session_lifetime: 5s\n")?.description.contains("console.session_lifetime") == true)
        #expect(loadError("console:\n  issuer: nobody\n")?.description.contains("console.issuer: 'nobody' is not the name of an issuer") == true)
        #expect(loadError("console:\n  enabled: sometimes\n")?.description.contains("console.enabled") == true)
        #expect(
            loadError("console:\n  trace_url: https://jaeger.example.com/\n")?.description.contains(
                "console.trace_url: an http(s) URL with {trace_id}") == true)
    }

    @Test("tracing: off by default; endpoint, sampling, service name and export delay checked with the key named")
    func tracing() throws {
        let defaults = try load("").configuration.tracing
        #expect(!defaults.enabled && defaults.sampling == 1 && !defaults.recordsRequestText && defaults.endpoint == "http://localhost:4318/v1/traces")
        let configured = try load(
            """
            tracing:
              enabled: true
              endpoint: https://otel.example.com:4318/v1/traces
              sampling: 0.25
              service_name: baton-eu
              record_request_text: true
              export_delay: 500ms
            """
        ).configuration
        #expect(
            configured.tracing
                == TracingSettings(
                    enabled: true, endpoint: "https://otel.example.com:4318/v1/traces", sampling: 0.25, serviceName: "baton-eu",
                    recordsRequestText: true,
                    exportDelay: .milliseconds(500)))
        #expect(try load(configured.renderedYAML()).configuration.tracing == configured.tracing, "renders back to the same settings")
        #expect(try load("", environment: ["BATON_TRACING_SAMPLING": "0.5"]).configuration.tracing.sampling == 0.5)
        let path = directory.file("baton.yaml")
        #expect(loadError("tracing:\n  sampling: 1.5\n")?.description.hasPrefix("\(path):2: tracing.sampling: between 0 and 1") == true)
        #expect(loadError("tracing:\n  sampling: often\n")?.description.contains("tracing.sampling") == true)
        #expect(loadError("tracing:\n  endpoint: localhost:4318\n")?.description.contains("tracing.endpoint: an http(s) URL") == true)
        #expect(loadError("tracing:\n  service_name: ''\n")?.description.contains("tracing.service_name") == true)
        #expect(loadError("tracing:\n  export_delay: 2m\n")?.description.contains("tracing.export_delay") == true)
        #expect(loadError("tracing:\n  exporter: grpc\n")?.description.contains("tracing.exporter") == true)
    }

    @Test("an unknown top-level section is refused")
    func unknownSection() throws {
        let error = try #require(loadError("servers:\n  listen: x\n"))
        #expect(error.description.contains("servers: unknown key"))
    }

    @Test("a wrong type names the file, line, key path, what was expected and what was found")
    func wrongType() throws {
        let path = directory.file("baton.yaml")
        let list = try #require(loadError("server:\n  listen: [a, b]\n"))
        #expect(
            list == .wrongType(origin: .file(path: path, line: 2), keyPath: "server.listen", expected: ListenAddress.expectation, found: "a list"))
        let choice = try #require(loadError("log:\n  level: loud\n"))
        #expect(choice.code == "config_wrong_type")
        #expect(choice.description == "\(path):2: log.level: expected one of trace, debug, info, notice, warning, error, critical, found 'loud'")
        let section = try #require(loadError("storage: fast\n"))
        #expect(section.description.contains("storage: expected a mapping of keys, found 'fast'"))
    }

    @Test("an unset ${VAR} names the variable, the file and the key")
    func unsetVariable() throws {
        let error = try #require(loadError("storage:\n  data_dir: ${BATON_TEST_ROOT}/data\n"))
        #expect(
            error
                == .unsetVariable(
                    origin: .file(path: directory.file("baton.yaml"), line: 2), keyPath: "storage.data_dir", variable: "BATON_TEST_ROOT"))
        #expect(error.description.contains("environment variable BATON_TEST_ROOT is not set"))
    }

    @Test("${VAR} is interpolated before the value is typed")
    func interpolationBeforeTyping() throws {
        let loaded = try load("server:\n  listen: ${HOST}:${PORT:-7000}\n", environment: ["HOST": "10.0.0.1"])
        #expect(loaded.configuration.server.listen == ListenAddress(host: "10.0.0.1", port: 7000))
    }

    @Test("a BATON_ environment variable overrides the file and a bad one names the variable")
    func environmentOverrides() throws {
        let loaded = try load(
            "server:\n  listen: 127.0.0.1:1\n", environment: ["BATON_SERVER_LISTEN": "127.0.0.1:2", "BATON_STORAGE_SQLITE_BUSY_TIMEOUT": "1s"])
        #expect(loaded.configuration.server.listen.port == 2)
        #expect(loaded.configuration.storage.busyTimeout == .seconds(1))
        let error = try #require(loadError("", environment: ["BATON_LOG_FORMAT": "xml"]))
        #expect(error.description.hasPrefix("environment variable BATON_LOG_FORMAT: log.format: expected one of text, json"))
    }

    @Test("a BATON_ variable that matches no key is reported, reserved ones are not")
    func unusedOverrides() throws {
        let loaded = try load("", environment: ["BATON_SERVER_LISTN": "x", "BATON_VAULT_KEY": "k", "BATON_CONFIG": "c"])
        #expect(loaded.warnings == ["environment variable BATON_SERVER_LISTN matches no configuration key and is ignored"])
    }

    @Test("broken YAML is a syntax error with its position and without the offending text")
    func brokenYAML() throws {
        let error = try #require(loadError("server:\n  listen: \"127.0.0.1:1\n  secret: hunter2\n"))
        #expect(error.code == "config_syntax")
        #expect(error.description.hasPrefix(directory.file("baton.yaml") + ":"))
        #expect(!error.description.contains("hunter2"))
    }

    @Test("a duplicated key is a syntax error")
    func duplicateKey() throws {
        let error = try #require(loadError("server:\n  listen: 127.0.0.1:1\n  listen: 127.0.0.1:2\n"))
        #expect(error.code == "config_syntax")
        #expect(error.description.contains("duplicate key(s) listen"))
    }

    @Test("a missing file is reported as such")
    func missingFile() {
        let path = directory.file("absent.yaml")
        #expect(throws: ConfigError.unreadable(path: path, reason: "no such file")) {
            try BatonConfiguration.load(file: path, environment: [:])
        }
    }

    @Test("a top level that is not a mapping is refused")
    func topLevelNotAMapping() throws {
        let error = try #require(loadError("- a\n- b\n"))
        #expect(error.description.contains("(top level): expected a mapping of keys, found a list"))
    }

    @Test("an empty data_dir is refused with the key named")
    func emptyDataDirectory() throws {
        let error = try #require(loadError("storage:\n  data_dir: \"\"\n"))
        #expect(error.description.hasSuffix("storage.data_dir: must not be empty"))
    }

    @Test("storage.engine: postgres reads the URL, takes the password from a file, and shows it masked")
    func postgres() throws {
        let passwordFile = try directory.write("db-password", "s3cret-pw\n")
        let loaded = try load(
            """
            storage:
              engine: postgres
              postgres:
                url: postgres://baton@db.internal:6543/audit?sslmode=verify-full
                password_file: \(passwordFile)
                schema: baton_prod
                pool_size: 32
                statement_timeout: 5s
            """)
        let postgres = try #require(loaded.configuration.storage.postgres)
        #expect(loaded.configuration.storage.engine == .postgres)
        #expect((postgres.host, postgres.port, postgres.username, postgres.database) == ("db.internal", 6543, "baton", "audit"))
        #expect(postgres.password?.revealed == "s3cret-pw")
        #expect(postgres.tls == .verifyFull)
        #expect((postgres.schema, postgres.poolSize, postgres.statementTimeout) == ("baton_prod", 32, .seconds(5)))
        let rendered = loaded.configuration.renderedYAML()
        #expect(!rendered.contains("s3cret-pw"))
        #expect(rendered.contains("tls: verify-full"))
    }

    @Test("the URL's password is used and masked; BATON_STORAGE_ENGINE and BATON_STORAGE_POSTGRES_URL override the file")
    func postgresFromEnvironment() throws {
        let loaded = try load(
            "storage:\n  postgres:\n    schema: blue\n",
            environment: ["BATON_STORAGE_ENGINE": "postgres", "BATON_STORAGE_POSTGRES_URL": "postgresql://svc:p%40ss@10.0.0.5/baton"])
        let postgres = try #require(loaded.configuration.storage.postgres)
        #expect(postgres.password?.revealed == "p@ss")
        #expect((postgres.host, postgres.port, postgres.schema, postgres.tls) == ("10.0.0.5", 5432, "blue", .prefer))
        let rendered = loaded.configuration.renderedYAML()
        #expect(!rendered.contains("p%40ss") && !rendered.contains("p@ss"))
    }

    @Test(
        "a bad storage.postgres setting names the file and the field, never the password",
        arguments: [
            ("engine: postgres", "storage.postgres.url"),
            ("engine: postgres\n  postgres:\n    url: mysql://u:hunter2@h/d", "storage.postgres.url: must be a PostgreSQL URL"),
            ("engine: postgres\n  postgres:\n    url: postgres://h:5432/d", "storage.postgres.url: must name the user"),
            ("engine: postgres\n  postgres:\n    url: postgres://u:hunter2@h/d?sslmode=verify-ca", "sslmode must be one of"),
            ("engine: postgres\n  postgres:\n    url: postgres://u@h/d\n    schema: Public", "storage.postgres.schema"),
            (
                "engine: postgres\n  postgres:\n    url: postgres://u@h/d\n    password_file: /nonexistent/pw",
                "storage.postgres.password_file: cannot read"
            ),
            ("engine: postgres\n  postgres:\n    url: postgres://u@h/d\n    pool_size: 0", "storage.postgres.pool_size"),
            ("engine: postgres\n  postgres:\n    url: postgres://u@h/d\n    tls: sometimes", "storage.postgres.tls"),
            ("postgres:\n    url: postgres://u@h/d", "storage.postgres: is set but engine is sqlite"),
        ])
    func postgresErrors(yaml: String, expected: String) throws {
        let error = try #require(loadError("storage:\n  " + yaml + "\n"))
        #expect(error.description.contains(expected), "\(error.description)")
        #expect(error.description.contains("baton.yaml"))
        #expect(!error.description.contains("hunter2"))
    }

    @Test("the rendered effective configuration loads back to the same configuration")
    func renderedRoundTrip() throws {
        let original = try load("server:\n  listen: '[::1]:9001'\n  shutdown_timeout: 1500ms\nlog:\n  format: json\nstorage:\n  data_dir: /tmp/x y\n")
        let rendered = original.configuration.renderedYAML()
        let reloaded = try load(rendered)
        #expect(reloaded.configuration == original.configuration)
        #expect(rendered.contains("shutdown_timeout: 1500ms"))
    }
}

@Suite("baton.example.yaml")
struct ExampleConfigurationTests {
    @Test("the shipped example loads and states exactly the embedded defaults")
    func exampleIsTheDefaults() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("baton.example.yaml").path
        let loaded = try BatonConfiguration.load(file: path, environment: [:])
        #expect(loaded.configuration == BatonConfiguration())
        #expect(loaded.warnings.isEmpty)
    }
}

@Suite("The identity: section")
struct IdentitySettingsTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    private func load(_ yaml: String) throws -> BatonConfiguration {
        try BatonConfiguration.load(file: try directory.write("baton.yaml", yaml), environment: [:]).configuration
    }

    private func problem(_ yaml: String) -> String {
        do {
            _ = try load(yaml)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    static let entra = """
        identity:
          audiences: [api://concierge]
          issuers:
            - name: contoso
              type: entra
              authority: https://login.microsoftonline.com
              tenants: [adee7793-9972-5755-8b10-f72a6db321e6]

        """

    @Test("an Entra issuer reads with its defaults and renders back to the same configuration")
    func entraIssuer() throws {
        let configuration = try load(Self.entra)
        let issuer = try #require(configuration.identity.issuers.first)
        #expect(issuer.kind == .entra)
        #expect(issuer.versions == [1, 2])
        #expect(issuer.algorithms == [.rs256])
        #expect(configuration.identity.audiences == ["api://concierge"])
        #expect(try load(configuration.renderedYAML()) == configuration)
    }

    @Test("an OIDC issuer needs a discovery URL")
    func oidcIssuer() throws {
        let configuration = try load(
            "identity:\n  audiences: [x]\n  issuers:\n    - name: okta\n      type: oidc\n      discovery_url: https://okta.example/.well-known/openid-configuration\n      algorithms: [RS256, ES256]\n"
        )
        #expect(configuration.identity.issuers.first?.algorithms == [.rs256, .es256])
        #expect(
            problem("identity:\n  audiences: [x]\n  issuers:\n    - name: okta\n      type: oidc\n").contains(
                "identity.issuers[0].discovery_url: an oidc issuer needs"))
    }

    @Test(
        "mistakes name the issuer's key path",
        arguments: [
            (
                entra.replacingOccurrences(of: "tenants: [adee7793-9972-5755-8b10-f72a6db321e6]", with: "tenants: []"),
                "identity.issuers[0].tenants: list the tenant ids"
            ),
            (
                entra.replacingOccurrences(of: "adee7793-9972-5755-8b10-f72a6db321e6", with: "contoso"),
                "identity.issuers[0].tenants: 'contoso' is not a tenant GUID"
            ),
            (entra.replacingOccurrences(of: "type: entra", with: "type: saml"), "identity.issuers[0].type: expected one of entra, oidc"),
            (
                entra.replacingOccurrences(of: "authority: https://login.microsoftonline.com", with: "authority: login.microsoftonline.com"),
                "identity.issuers[0].authority"
            ),
            (entra + "      algorithms: [HS256]\n", "identity.issuers[0].algorithms[0]: expected one of RS256, PS256, ES256, found 'HS256'"),
            (entra + "      versions: [3]\n", "identity.issuers[0].versions: must be 1, 2 or both"),
            (entra + "      tenant: x\n", "identity.issuers[0].tenant: unknown key"),
            (entra.replacingOccurrences(of: "  audiences: [api://concierge]\n", with: ""), "identity.audiences: list the audiences"),
            ("identity:\n  max_token_size: 10\n", "identity.max_token_size: must be between 1024 and 65536"),
        ])
    func mistakes(yaml: String, expected: String) {
        let message = problem(yaml)
        #expect(message.contains(expected), "\(message)")
        #expect(message.hasPrefix(directory.file("baton.yaml")) || message.contains("environment"), "\(message)")
    }
}
