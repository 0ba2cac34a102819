import ArgumentParser
import BatonConfig
import BatonServer
import BatonStorage

/// `--postgres URL [--schema S]`: a benchmark on a PostgreSQL database instead of SQLite files.
struct PostgresBenchOptions: ParsableArguments {
    @Option(name: .long, help: "Run on this PostgreSQL database (postgres://…) instead of SQLite files; its schema must be empty.")
    var postgres: String?
    @Option(name: .long, help: "The PostgreSQL schema to use (created if missing).") var schema = "public"

    /// The database to run on, as a daemon's configuration names it; `nil` for SQLite.
    func settings() throws -> PostgresSettings? {
        guard let postgres else { return nil }
        do {
            return try PostgresSettings(url: postgres, schema: schema)
        } catch {
            throw CommandFailure(message: "--postgres: \(error)")
        }
    }

    /// The database to run on; `nil` for SQLite.
    func endpoint() throws -> PostgresEndpoint? {
        try settings().map(PostgresEndpoint.init)
    }
}
