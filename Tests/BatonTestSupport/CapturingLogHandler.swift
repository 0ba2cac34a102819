import Foundation
import Logging

/// Collects every log line (at trace level) so tests can prove no secret reaches a log.
public final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []

    public init() {}

    public var lines: [String] { lock.withLock { collected } }

    /// A logger writing into this capture at trace level.
    public func logger(_ label: String) -> Logger {
        Logger(label: label) { label in Handler(label: label, capture: self) }
    }

    fileprivate func append(_ line: String) {
        lock.withLock { collected.append(line) }
    }

    private struct Handler: LogHandler {
        let label: String
        let capture: LogCapture
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append("\(event.level) \(label) \(event.message) \(all)")
        }
    }
}
