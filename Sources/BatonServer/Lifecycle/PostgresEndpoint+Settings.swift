import BatonConfig
import BatonStorage

extension PostgresEndpoint {
    /// The endpoint `storage.postgres` describes.
    public init(_ settings: PostgresSettings) {
        let tls: TLSMode =
            switch settings.tls {
            case .disable: .disable
            case .prefer: .prefer
            case .require: .require
            case .verifyFull: .verifyFull
            }
        self.init(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password, database: settings.database,
            schema: settings.schema, tls: tls, caFile: settings.caFile, poolSize: settings.poolSize, statementTimeout: settings.statementTimeout,
            connectTimeout: settings.connectTimeout)
    }
}
