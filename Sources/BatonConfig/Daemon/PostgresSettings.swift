import BatonCore
import Foundation

/// The `storage.postgres:` section: the database every daemon of a deployment shares when
/// `storage.engine` is `postgres`.
///
/// ```yaml
/// storage:
///   engine: postgres
///   postgres:
///     url: postgres://baton@db.internal:5432/baton?sslmode=verify-full
///     password_file: /run/secrets/baton-db     # or password: ${BATON_DB_PASSWORD}
/// ```
public struct PostgresSettings: Sendable, Equatable {
    /// How the connection is protected, named as libpq's `sslmode` names them.
    public enum TLSMode: String, ConfigChoice, Sendable {
        case disable
        case prefer
        case require
        case verifyFull = "verify-full"
    }

    /// The URL as written, for showing with its password masked.
    public var url: String
    public var host: String
    public var port: Int
    public var username: String
    /// From `password`, `password_file`, or the URL, in that order.
    public var password: Secret?
    public var database: String
    /// The schema Baton's tables live in. Default `public`.
    public var schema: String
    /// `tls`, else the URL's `sslmode`, else `prefer`.
    public var tls: TLSMode
    /// The CA certificates `verify-full` trusts (`ca_file` or the URL's `sslrootcert`); the system's when unset.
    public var caFile: String?
    /// Connections each daemon opens at most. Default 16.
    public var poolSize: Int
    /// Statements running longer are cancelled by the server. Default 30 s.
    public var statementTimeout: Duration
    /// Opening a connection may take this long. Default 10 s.
    public var connectTimeout: Duration

    init(section: ConfigSection) throws(ConfigError) {
        url = try section.requiredValue("url")
        let parsed: ParsedURL
        do {
            parsed = try Self.parse(url)
        } catch {
            throw section.invalid("url", error.problem)
        }
        (host, port, username, database) = (parsed.host, parsed.port, parsed.username, parsed.database)
        let sslmode = parsed.tls
        let rootCertificate = parsed.caFile
        let password: Secret? = try section.optionalValue("password")
        let passwordFile: String? = try section.optionalValue("password_file")
        if password != nil, passwordFile != nil {
            throw section.invalid("password_file", "set either password or password_file, not both")
        }
        if let passwordFile {
            guard let contents = FileManager.default.contents(atPath: passwordFile) else {
                throw section.invalid("password_file", "cannot read \(passwordFile)")
            }
            var text = String(decoding: contents, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            guard !text.isEmpty else { throw section.invalid("password_file", "\(passwordFile) is empty") }
            self.password = Secret(text)
        } else {
            self.password = password ?? parsed.password
        }
        schema = try section.value("schema", default: "public")
        guard Self.isSchemaName(schema) else {
            throw section.invalid("schema", "must be a lower-case identifier: a–z, 0–9 and _, not starting with a digit, at most 63 bytes")
        }
        tls = try section.optionalValue("tls") ?? sslmode ?? .prefer
        caFile = try section.optionalValue("ca_file") ?? rootCertificate
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw section.invalid("ca_file", "cannot read \(caFile)")
        }
        poolSize = try section.value("pool_size", default: 16)
        guard (1...1_000).contains(poolSize) else { throw section.invalid("pool_size", "must be between 1 and 1000") }
        statementTimeout = try section.value("statement_timeout", default: .seconds(30))
        guard statementTimeout >= .milliseconds(100) else { throw section.invalid("statement_timeout", "must be at least 100ms") }
        connectTimeout = try section.value("connect_timeout", default: .seconds(10))
        guard connectTimeout >= .milliseconds(100) else { throw section.invalid("connect_timeout", "must be at least 100ms") }
        try section.finish()
    }

    /// The settings a `postgres://` URL gives on its own (for `baton storage copy --to`),
    /// with every other setting at its default.
    public init(url: String, schema: String = "public") throws(PostgresURLProblem) {
        let parsed = try Self.parse(url)
        guard Self.isSchemaName(schema) else { throw PostgresURLProblem(problem: "the schema must be a lower-case identifier") }
        self.url = url
        (host, port, username, password, database) = (parsed.host, parsed.port, parsed.username, parsed.password, parsed.database)
        self.schema = schema
        tls = parsed.tls ?? .prefer
        caFile = parsed.caFile
        poolSize = 16
        statementTimeout = .seconds(30)
        connectTimeout = .seconds(10)
    }

    /// What a PostgreSQL URL says.
    struct ParsedURL {
        var host: String
        var port: Int
        var username: String
        var password: Secret?
        var database: String
        var tls: TLSMode?
        var caFile: String?
    }

    /// Reads `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…&sslrootcert=…]`.
    static func parse(_ url: String) throws(PostgresURLProblem) -> ParsedURL {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme?.lowercased()),
            let host = components.host, !host.isEmpty
        else {
            throw PostgresURLProblem(problem: "must be a PostgreSQL URL: postgres://USER@HOST[:PORT]/DATABASE[?sslmode=…]")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresURLProblem(problem: "must name the user: postgres://USER@HOST[:PORT]/DATABASE")
        }
        let username = user.removingPercentEncoding ?? user
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var parsed = ParsedURL(
            host: host, port: components.port ?? 5432, username: username,
            password: components.password.map { Secret($0.removingPercentEncoding ?? $0) },
            database: path.isEmpty ? username : (path.removingPercentEncoding ?? path))
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw PostgresURLProblem(problem: "sslmode must be one of disable, prefer, require, verify-full")
                }
                parsed.tls = mode
            case "sslrootcert": parsed.caFile = item.value
            default:
                throw PostgresURLProblem(problem: "has the parameter '\(item.name)'; only sslmode and sslrootcert are understood")
            }
        }
        return parsed
    }

    /// Whether `name` is a plain lower-case identifier (never needs quoting in SQL).
    static func isSchemaName(_ name: String) -> Bool {
        guard let first = name.first, name.utf8.count <= 63, first == "_" || ("a"..."z").contains(first) else { return false }
        return name.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }
}

/// Why a PostgreSQL URL cannot be used; never quotes the URL (it may hold a password).
public struct PostgresURLProblem: Error, CustomStringConvertible {
    public let problem: String
    public var description: String { problem }
}
