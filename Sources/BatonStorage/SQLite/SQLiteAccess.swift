import GRDB

/// How a store reaches its database: through GRDB's own queues, or synchronously on a
/// ``BackgroundThread`` for work nobody waits on (GRDB runs a synchronous access on the
/// calling thread, so the work's CPU stays on that thread).
public struct SQLiteAccess: Sendable {
    public let database: any DatabaseWriter
    public let worker: BackgroundThread?

    public init(_ database: any DatabaseWriter, on worker: BackgroundThread? = nil) {
        self.database = database
        self.worker = worker
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        guard let worker else { return try await database.read(body) }
        return try await worker.run { [database] in try database.read(body) }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        guard let worker else { return try await database.write(body) }
        return try await worker.run { [database] in try database.write(body) }
    }
}
