import Logging
import PostgresNIO

extension PostgresRowSequence {
    /// Reads the statement's answer to its end (rows, if any, are dropped), so that its
    /// errors are thrown here rather than lost with the sequence.
    public func drain() async throws {
        for try await _ in self {}
    }
}

extension PostgresConnection {
    /// Runs `query` and returns its rows: the async `query(_:logger:)`, by a name that a
    /// chained `.decode(…)` cannot resolve to the `EventLoopFuture` overload.
    public func rows(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        let rows: PostgresRowSequence = try await self.query(query, logger: logger)
        return rows
    }
}

extension AsyncSequence {
    /// Every element, in order (a statement's decoded rows, which are few).
    public func elements() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self { elements.append(element) }
        return elements
    }
}
