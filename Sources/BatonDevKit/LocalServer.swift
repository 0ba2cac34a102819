import Hummingbird
import Logging
import ServiceLifecycle

/// Runs a local stand-in server for the length of a piece of work.
public enum LocalServer {
    /// Starts the application `make` builds (which reports its URL through the callback it
    /// is given), runs `body` with that URL, then shuts the server down gracefully.
    public static func run<Result: Sendable, App: ApplicationProtocol>(
        logger: Logger,
        _ make: (@escaping @Sendable (String) async -> Void) throws -> App,
        body: (String) async throws -> Result
    ) async throws -> Result {
        let (urls, continuation) = AsyncStream.makeStream(of: String.self)
        let group = ServiceGroup(services: [try make { continuation.yield($0) }], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = urls.makeAsyncIterator()
            guard let url = await iterator.next() else { throw CancellationError() }
            do {
                let result = try await body(url)
                await group.triggerGracefulShutdown()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }
}
