import BatonCore

/// Where and how to reach the PostgreSQL database that holds every store when
/// `storage.engine` is `postgres`: several daemons share it.
public struct PostgresEndpoint: Sendable, Equatable {
    /// How the connection is protected, named as libpq's `sslmode` names them.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP: only for a database on loopback or a private socket.
        case disable
        /// TLS when the server offers it, else plain TCP; the certificate is not checked.
        case prefer
        /// TLS always; the certificate is not checked (protects against listening, not against impersonation).
        case require
        /// TLS always, the certificate checked against the CA (`ca_file`, else the system's) and the host name.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: Secret?
    public var database: String
    /// The schema Baton's tables live in (`search_path`), created by migrations when missing.
    public var schema: String
    public var tls: TLSMode
    /// PEM file of the certificate authorities `verify-full` trusts; `nil` for the system's.
    public var caFile: String?
    /// Connections the daemon opens at most.
    public var poolSize: Int
    /// The server cancels any statement running longer (the session's `statement_timeout`).
    public var statementTimeout: Duration
    /// How long opening a connection may take.
    public var connectTimeout: Duration

    public init(
        host: String, port: Int = 5432, username: String, password: Secret? = nil, database: String, schema: String = "public",
        tls: TLSMode = .prefer, caFile: String? = nil, poolSize: Int = 16, statementTimeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.schema = schema
        self.tls = tls
        self.caFile = caFile
        self.poolSize = poolSize
        self.statementTimeout = statementTimeout
        self.connectTimeout = connectTimeout
    }

    /// How the endpoint is shown in logs and errors: never the password.
    public var displayName: String {
        "postgres://\(username)@\(host):\(port)/\(database) (schema \(schema))"
    }
}
